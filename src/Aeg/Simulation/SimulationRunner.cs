using System.Diagnostics;
using Aeg.Logging;
using Serilog;

namespace Aeg.Simulation;

/// <summary>Plays the simulator's edits into the writer at the given speed and logs progress (events done / total, rate) at an interval.</summary>
/// <remarks>
/// The simulated clock starts at the wall-clock time of <see cref="RunAsync"/> and runs at the
/// speed's pace, so a progress line names the simulated SOC's date and time (at 60x an hour of
/// it passes per real minute).
/// </remarks>
public sealed class SimulationRunner(AnnotationSimulator simulator, Func<SimulatedEdit, CancellationToken, Task> write, SimulationSpeed speed,
    int totalEvents, ILogger log, TimeSpan progressInterval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private DateTimeOffset _simulationStart;

    /// <summary>Edits written.</summary>
    public long Writes { get; private set; }

    /// <summary>Runs until every event is finished or <paramref name="stop"/> is cancelled (then after the edit in progress); true when finished.</summary>
    public async Task<bool> RunAsync(CancellationToken stop)
    {
        _simulationStart = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var nextReport = progressInterval;
        var simulated = TimeSpan.Zero;
        while (!stop.IsCancellationRequested && simulator.TryNext(out var edit))
        {
            simulated = edit.At;
            var wait = speed.RealTime(edit.At) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            // Not cancelled half-way: an edit is written whole or not at all.
            await write(edit, CancellationToken.None);
            Writes++;
            if (clock.Elapsed >= nextReport)
            {
                nextReport = clock.Elapsed + progressInterval;
                Report(clock.Elapsed, simulated);
            }
        }
        Report(clock.Elapsed, simulated);
        return simulator.Finished >= totalEvents;
    }

    private void Report(TimeSpan elapsed, TimeSpan simulated)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        log.Information("Simulated {Done}/{Total} events finished ({Percent:0}%), {Open} open; {Writes} writes, {Rate:0.0} writes/s, {EventRate:0.0} events/s; simulated clock {SimulatedAt} ({Simulated} simulated in {Elapsed})",
            simulator.Finished, totalEvents, totalEvents == 0 ? 100 : 100.0 * simulator.Finished / totalEvents,
            simulator.Created - simulator.Finished, Writes, Writes / seconds, simulator.Finished / seconds,
            LogText.Time((_simulationStart + simulated).ToUnixTimeMilliseconds()), LogText.Duration(simulated), LogText.Duration(elapsed));
    }
}
