using System.Globalization;

namespace SharpQuic.Cli.Cert;

/// <summary><c>sharpquic cert --out DIR [--days N]</c>: writes a development certificate and prints its SHA-256.</summary>
internal static class CertCommand
{
    public const string Usage = "sharpquic cert --out DIR [--days N]";

    public static int Run(ReadOnlySpan<string> args, TextWriter output, TextWriter error)
    {
        string? dir = null;
        int days = (int)DevelopmentCertificate.DefaultValidity.TotalDays;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length && args[i + 1].Length > 0:
                    dir = args[++i];
                    break;
                case "--days" when i + 1 < args.Length:
                    if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out days)
                        || days < 1 || days > (int)DevelopmentCertificate.MaximumValidity.TotalDays)
                    {
                        error.WriteLine($"sharpquic cert: --days must be 1 to {(int)DevelopmentCertificate.MaximumValidity.TotalDays} (WebTransport accepts at most 14 days)");
                        return 2;
                    }

                    i++;
                    break;
                default:
                    error.WriteLine($"sharpquic cert: unexpected argument '{args[i]}'");
                    error.WriteLine("usage: " + Usage);
                    return 2;
            }
        }

        if (dir is null)
        {
            error.WriteLine("usage: " + Usage);
            return 2;
        }

        using var certificate = DevelopmentCertificate.Create(TimeSpan.FromDays(days));
        try
        {
            DevelopmentCertificate.WritePem(certificate, dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"sharpquic cert: cannot write to '{dir}': {e.Message}");
            return 1;
        }

        byte[] hash = DevelopmentCertificate.Sha256(certificate);
        output.WriteLine($"wrote {Path.Combine(dir, DevelopmentCertificate.CertificateFileName)} and {Path.Combine(dir, DevelopmentCertificate.KeyFileName)}");
        output.WriteLine($"valid {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}");
        output.WriteLine($"sha256 hex:    {Convert.ToHexStringLower(hash)}");
        output.WriteLine($"sha256 base64: {Convert.ToBase64String(hash)}");
        return 0;
    }
}
