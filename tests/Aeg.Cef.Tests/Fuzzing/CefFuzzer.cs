using System.Diagnostics;

namespace Aeg.Cef.Tests.Fuzzing;

/// <summary>A broken property: which target, how to make the input again, the input, and why.</summary>
public sealed record FuzzFailure(string Target, int Seed, long Iteration, FuzzStrategy Strategy, byte[] Input, string Reason);

/// <summary>What a run did: inputs per strategy, what the reader made of them, frames read, failures.</summary>
public sealed class FuzzRunStats
{
    /// <summary>Inputs generated (each is run through both targets).</summary>
    public long Inputs { get; set; }
    /// <summary>Bytes of all inputs together.</summary>
    public long Bytes { get; set; }
    /// <summary>Inputs per strategy.</summary>
    public Dictionary<FuzzStrategy, long> ByStrategy { get; } = Enum.GetValues<FuzzStrategy>().ToDictionary(s => s, _ => 0L);
    /// <summary>Time spent per strategy (Stopwatch ticks), to see where a run's time goes.</summary>
    public Dictionary<FuzzStrategy, long> TicksByStrategy { get; } = Enum.GetValues<FuzzStrategy>().ToDictionary(s => s, _ => 0L);
    /// <summary>CefReader outcomes.</summary>
    public Dictionary<CefReaderOutcome, long> ByOutcome { get; } = Enum.GetValues<CefReaderOutcome>().ToDictionary(o => o, _ => 0L);
    /// <summary>Frame-reader events checked (frames, oversized, framing errors).</summary>
    public long FrameEvents { get; set; }
    /// <summary>Broken properties (exceptions included); the first <see cref="KeptFailures"/> are kept.</summary>
    public List<FuzzFailure> Failures { get; } = [];
    /// <summary>All broken properties, also those not kept.</summary>
    public long FailureCount { get; set; }
    /// <summary>How many failures are kept with their input.</summary>
    public const int KeptFailures = 100;
    /// <summary>Wall time of the run.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>One line for logs.</summary>
    public override string ToString()
        => $"{Inputs:N0} inputs ({Bytes / (1024.0 * 1024):N1} MiB) in {Elapsed.TotalSeconds:N1} s = {Inputs / Math.Max(Elapsed.TotalSeconds, 1e-9):N0} inputs/s; "
            + $"reader: {string.Join(", ", ByOutcome.Select(p => $"{p.Key} {p.Value:N0}"))}; frame events {FrameEvents:N0}; "
            + $"strategies (inputs, seconds): {string.Join(", ", ByStrategy.Select(p => $"{p.Key} {p.Value:N0} {TicksByStrategy[p.Key] / (double)Stopwatch.Frequency:N1}s"))}; failures {FailureCount}";
}

/// <summary>
/// The fuzzing loop shared by the CI test and the long-running console (benchmarks/fuzz): each
/// iteration makes one input from its own deterministic random state (seed, iteration), so any
/// failure is reproduced with <see cref="RunOne"/>, and checks it with
/// <see cref="CefReaderOracle"/> and, framed into a stream, <see cref="FrameReaderOracle"/>.
/// </summary>
public sealed class CefFuzzer(IReadOnlyList<byte[]> seeds, int seed)
{
    /// <summary>Target name of the CEF reader checks.</summary>
    public const string ReaderTarget = "CefReader";
    /// <summary>Target name of the syslog framing checks.</summary>
    public const string FramingTarget = "SyslogFrameReader";

    private readonly FuzzInputGenerator _generator = new(seeds);
    private long _completed;

    /// <summary>Inputs run so far by every <see cref="Run"/> of this instance (for progress output).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>The run's seed.</summary>
    public int Seed { get; } = seed;

    /// <summary>
    /// Runs iterations <paramref name="first"/>, <paramref name="first"/>+<paramref name="step"/>, …
    /// until <paramref name="iterations"/> inputs were run or <paramref name="until"/> has passed.
    /// </summary>
    public FuzzRunStats Run(long iterations, DateTime? until = null, long first = 0, int step = 1, Action<FuzzFailure>? onFailure = null, CancellationToken cancel = default)
    {
        var stats = new FuzzRunStats();
        var clock = Stopwatch.StartNew();
        for (var i = first; stats.Inputs < iterations && !cancel.IsCancellationRequested; i += step)
        {
            if (until is { } end && (stats.Inputs & 63) == 0 && DateTime.UtcNow >= end)
            {
                break;
            }

            var started = Stopwatch.GetTimestamp();
            var failures = RunOne(i, stats, out var strategy);
            stats.TicksByStrategy[strategy] += Stopwatch.GetTimestamp() - started;
            Interlocked.Increment(ref _completed);
            foreach (var failure in failures)
            {
                if (++stats.FailureCount <= FuzzRunStats.KeptFailures)
                {
                    stats.Failures.Add(failure);
                    onFailure?.Invoke(failure);
                }
            }
        }

        stats.Elapsed = clock.Elapsed;
        return stats;
    }

    /// <summary>Runs one iteration; the failures it found (none when every property held).</summary>
    public IReadOnlyList<FuzzFailure> RunOne(long iteration, FuzzRunStats? stats, out FuzzStrategy strategy)
    {
        var rng = new Random(IterationSeed(Seed, iteration));
        var input = _generator.Next(rng, out strategy);
        if (stats is not null)
        {
            stats.Inputs++;
            stats.Bytes += input.Length;
            stats.ByStrategy[strategy]++;
        }

        var failures = new List<FuzzFailure>(0);
        try
        {
            if (CefReaderOracle.Check(input, out var outcome) is { } reason)
            {
                failures.Add(new FuzzFailure(ReaderTarget, Seed, iteration, strategy, input, reason));
            }
            else if (stats is not null)
            {
                stats.ByOutcome[outcome]++;
            }
        }
        catch (Exception ex)
        {
            failures.Add(new FuzzFailure(ReaderTarget, Seed, iteration, strategy, input, $"threw {ex}"));
        }

        byte[] stream = [];
        try
        {
            stream = FrameReaderOracle.MakeStream(rng, input, seeds);
            if (FrameReaderOracle.Check(rng, stream, out var events) is { } reason)
            {
                failures.Add(new FuzzFailure(FramingTarget, Seed, iteration, strategy, stream, reason));
            }
            else if (stats is not null)
            {
                stats.FrameEvents += events;
            }
        }
        catch (Exception ex)
        {
            failures.Add(new FuzzFailure(FramingTarget, Seed, iteration, strategy, stream, $"threw {ex}"));
        }

        return failures;
    }

    // SplitMix64 of (seed, iteration): independent, reproducible random states per iteration.
    private static int IterationSeed(int seed, long iteration)
    {
        var z = ((ulong)(uint)seed << 32) ^ (ulong)iteration;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFF_FFFF);
    }
}
