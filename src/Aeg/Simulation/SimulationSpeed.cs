using System.Globalization;

namespace Aeg.Simulation;

/// <summary>How fast simulated time runs against the wall clock: <c>60x</c> plays an hour in a minute; <c>max</c> does not wait at all.</summary>
public readonly record struct SimulationSpeed(double Factor)
{
    /// <summary>No waiting between edits: as fast as the database takes them (load tests).</summary>
    public static SimulationSpeed Max => new(double.PositiveInfinity);

    public bool IsMax => double.IsPositiveInfinity(Factor);

    /// <summary>The wall-clock time at which an edit at <paramref name="simulated"/> is due.</summary>
    public TimeSpan RealTime(TimeSpan simulated) => IsMax ? TimeSpan.Zero : TimeSpan.FromTicks((long)(simulated.Ticks / Factor));

    /// <summary>Parses <c>60x</c>, <c>60</c>, <c>0.5x</c> or <c>max</c>.</summary>
    public static bool TryParse(string? text, out SimulationSpeed speed)
    {
        speed = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var t = text.Trim();
        if (t.Equals("max", StringComparison.OrdinalIgnoreCase))
        {
            speed = Max;
            return true;
        }
        if (t.EndsWith('x') || t.EndsWith('X'))
        {
            t = t[..^1];
        }
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor) && factor > 0 && double.IsFinite(factor))
        {
            speed = new SimulationSpeed(factor);
            return true;
        }
        return false;
    }

    public override string ToString() => IsMax ? "max" : Factor.ToString("0.###", CultureInfo.InvariantCulture) + "x";
}
