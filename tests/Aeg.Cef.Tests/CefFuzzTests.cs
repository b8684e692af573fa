using Aeg.Cef.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Aeg.Cef.Tests;

/// <summary>
/// The bounded CI run of the CEF fuzzer (Fuzzing/): 200,000 inputs through CefReader and the
/// syslog framing. The long run is benchmarks/fuzz/run.sh on the same engine.
/// </summary>
public sealed class CefFuzzTests(ITestOutputHelper output)
{
    private const int CiInputs = 200_000;

    [Fact]
    public void Two_hundred_thousand_fuzzed_inputs_break_no_reader_or_framing_property()
    {
        // A fixed seed keeps CI reproducible; AEG_FUZZ_SEED explores other inputs.
        var seed = int.TryParse(Environment.GetEnvironmentVariable("AEG_FUZZ_SEED"), out var s) ? s : 20261122;
        var fuzzer = new CefFuzzer(FuzzSeeds.Load(FuzzSeeds.DefaultPath), seed);

        var stats = fuzzer.Run(CiInputs);
        output.WriteLine($"seed {seed}: {stats}");

        Assert.True(stats.FailureCount == 0, $"{stats.FailureCount} failures; the first ones:\n" + string.Join("\n\n", stats.Failures.Take(5).Select(f =>
            $"{f.Target} failed at seed {f.Seed} iteration {f.Iteration} ({f.Strategy}): {f.Reason}\ninput: {CefReaderOracle.Show(f.Input)}")));
        Assert.Equal(CiInputs, stats.Inputs);
        // The run is only worth something if every kind of input was made and the round trip ran often.
        Assert.All(stats.ByStrategy, p => Assert.True(p.Value > 0, $"no {p.Key} inputs"));
        Assert.True(stats.ByOutcome[CefReaderOutcome.RoundTripped] > CiInputs / 10, $"only {stats.ByOutcome[CefReaderOutcome.RoundTripped]} inputs round-tripped");
        Assert.True(stats.ByOutcome[CefReaderOutcome.Rejected] > CiInputs / 10, $"only {stats.ByOutcome[CefReaderOutcome.Rejected]} inputs were rejected");
        Assert.True(stats.FrameEvents > CiInputs, $"only {stats.FrameEvents} frame events");
    }

    [Fact]
    public void The_same_seed_and_iteration_make_the_same_input()
    {
        var seeds = FuzzSeeds.Load(FuzzSeeds.DefaultPath);
        var a = new CefFuzzer(seeds, 7).Run(200);
        var b = new CefFuzzer(seeds, 7).Run(200);
        var c = new CefFuzzer(seeds, 8).Run(200);
        Assert.Equal(a.Bytes, b.Bytes);
        Assert.Equal(a.ByOutcome, b.ByOutcome);
        Assert.NotEqual(a.Bytes, c.Bytes);
    }
}
