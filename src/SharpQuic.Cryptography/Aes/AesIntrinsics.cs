using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using X86Pclmulqdq = System.Runtime.Intrinsics.X86.Pclmulqdq;
using X86Ssse3 = System.Runtime.Intrinsics.X86.Ssse3;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// Which AES instructions the factories may use. The AppContext switch
/// <c>SharpQuic.Cryptography.DisableAesIntrinsics</c> (runtimeconfig or
/// <see cref="AppContext.SetSwitch"/> before the first key is made) forces the fallbacks.
/// </summary>
internal static class AesIntrinsics
{
    public const string DisableSwitchName = "SharpQuic.Cryptography.DisableAesIntrinsics";

    /// <summary>True when the switch is set: read once, so a process never mixes decisions.</summary>
    public static bool Disabled { get; } = AppContext.TryGetSwitch(DisableSwitchName, out bool disabled) && disabled;

    /// <summary>One-block AES with AES-NI (header protection).</summary>
    public static bool BlockSupported => X86Aes.IsSupported;

    /// <summary>AES-GCM with AES-NI CTR and PCLMULQDQ GHASH (SSSE3 for the byte swaps).</summary>
    public static bool GcmSupported => X86Aes.IsSupported && X86Pclmulqdq.IsSupported && X86Ssse3.IsSupported;
}
