using System.Text.Json;

namespace SharpQuic.Cryptography.Tests;

/// <summary>
/// Loads Wycheproof test files (copied into tests/vectors/wycheproof). Each test case comes
/// back with its group's fields merged in, so a test reads e.g. <c>c.Hex("key")</c> whether the
/// key sits in the case or the group.
/// </summary>
internal static class Wycheproof
{
    public static IEnumerable<WycheproofCase> Load(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "vectors", "wycheproof", fileName);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        var cases = new List<WycheproofCase>();
        foreach (JsonElement group in document.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            foreach (JsonElement test in group.GetProperty("tests").EnumerateArray())
            {
                cases.Add(new WycheproofCase(group.Clone(), test.Clone()));
            }
        }

        Assert.NotEmpty(cases);
        return cases;
    }

    /// <summary>For xunit's MemberData: the file's case ids, one row each.</summary>
    public static TheoryData<int> CaseIds(string fileName)
    {
        var data = new TheoryData<int>();
        foreach (WycheproofCase c in Load(fileName))
        {
            data.Add(c.TcId);
        }

        return data;
    }
}

internal sealed class WycheproofCase(JsonElement group, JsonElement test)
{
    public JsonElement Group { get; } = group;

    public JsonElement Test { get; } = test;

    public int TcId => Test.GetProperty("tcId").GetInt32();

    /// <summary>"valid", "invalid" or "acceptable".</summary>
    public string Result => Test.GetProperty("result").GetString()!;

    public string Comment => Test.TryGetProperty("comment", out JsonElement c) ? c.GetString() ?? "" : "";

    public bool HasFlag(string flag)
        => Test.TryGetProperty("flags", out JsonElement flags) && flags.EnumerateArray().Any(f => f.GetString() == flag);

    public bool Has(string name) => Test.TryGetProperty(name, out _) || Group.TryGetProperty(name, out _);

    public JsonElement Get(string name)
        => Test.TryGetProperty(name, out JsonElement v) ? v
         : Group.TryGetProperty(name, out v) ? v
         : throw new KeyNotFoundException($"tcId {TcId}: no field '{name}'");

    public string String(string name) => Get(name).GetString()!;

    public byte[] Hex(string name) => Convert.FromHexString(String(name));

    public int Int(string name) => Get(name).GetInt32();

    public override string ToString() => $"tcId {TcId} ({Result}) {Comment}";
}
