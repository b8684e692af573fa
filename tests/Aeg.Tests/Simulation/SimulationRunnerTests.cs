using Aeg.Simulation;
using Serilog.Events;

namespace Aeg.Tests.Simulation;

/// <summary>The simulator's progress line names the simulated clock as a date, not a count of seconds.</summary>
public sealed class SimulationRunnerTests
{
    [Fact]
    public async Task The_last_progress_line_gives_the_simulated_clock_as_an_iso_date_from_the_start_plus_the_last_edit()
    {
        using var log = new LogCapture();
        var simulator = new AnnotationSimulator(new SimulationSettings(Analysts: 3, Events: 50, Seed: 5));
        var start = new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
        var last = TimeSpan.Zero;
        var runner = new SimulationRunner(simulator, (edit, _) =>
        {
            last = edit.At;
            return Task.CompletedTask;
        }, SimulationSpeed.Max, totalEvents: 50, log.Logger, TimeSpan.FromHours(1), new FixedClock(start));

        Assert.True(await runner.RunAsync(CancellationToken.None));

        var line = Assert.Single(log.Lines(LogEventLevel.Information));
        var expected = (start + last).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(last > TimeSpan.FromHours(1), $"only {last} simulated");
        Assert.Contains($"simulated clock \"{expected}\"", line);
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d(?!\.\d{3}Z)", line);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
