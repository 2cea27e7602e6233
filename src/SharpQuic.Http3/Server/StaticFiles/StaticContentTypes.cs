namespace SharpQuic.Http3;

/// <summary>The content-type for a file extension; text types carry "; charset=utf-8".</summary>
internal static class StaticContentTypes
{
    public const string Default = "application/octet-stream";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".json"] = "application/json; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".svg"] = "image/svg+xml; charset=utf-8",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".ico"] = "image/x-icon",
        [".wasm"] = "application/wasm",
        [".woff2"] = "font/woff2",
        [".pdf"] = "application/pdf",
        [".bin"] = Default,
    };

    public static string For(string path)
    {
        ReadOnlySpan<char> extension = Path.GetExtension(path.AsSpan());
        return ByExtension.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(extension, out string? type) ? type : Default;
    }
}
