using BenchmarkDotNet.Running;

namespace SharpQuic.Benchmarks;

internal static class Program
{
    // dotnet run -c Release --project bench/SharpQuic.Benchmarks -- --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
