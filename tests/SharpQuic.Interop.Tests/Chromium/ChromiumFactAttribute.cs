namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// A fact that needs headless Chromium (and tshark when <see cref="NeedsTshark"/>):
/// skipped, saying what to install, only when one of them is absent. test.sh installs them in CI.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Skips the test when Chromium is not installed.</summary>
    public ChromiumFactAttribute()
    {
        Skip = MissingTool(needsTshark: false);
    }

    /// <summary>Whether the test also captures with tshark (then a missing tshark skips it too).</summary>
    public bool NeedsTshark
    {
        get => _needsTshark;
        set
        {
            _needsTshark = value;
            Skip = MissingTool(value);
        }
    }

    private bool _needsTshark;

    private static string? MissingTool(bool needsTshark)
    {
        if (ChromiumBrowser.FindExecutable() is null)
        {
            return "Chromium is not installed (apt-get install chromium): the browser interop tests need it.";
        }

        if (needsTshark && Tshark.FindExecutable() is null)
        {
            return "tshark is not installed (apt-get install tshark): the capture test needs it.";
        }

        return null;
    }
}
