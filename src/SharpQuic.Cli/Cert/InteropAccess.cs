using System.Runtime.CompilerServices;

// The interop tests hand this generator's certificates to ngtcp2 (and later Chromium), so the
// certificate every peer must accept is the one `sharpquic cert` and `serve` make.
[assembly: InternalsVisibleTo("SharpQuic.Interop.Tests")]
