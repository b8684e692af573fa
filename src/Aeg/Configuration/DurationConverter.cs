using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Aeg.Configuration;

/// <summary>Reads durations as <c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c> or <c>hh:mm:ss</c>.</summary>
internal sealed class DurationConverter : IYamlTypeConverter
{
    public bool Accepts(Type type) => type == typeof(TimeSpan) || type == typeof(TimeSpan?);

    public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
    {
        var scalar = parser.Consume<Scalar>();
        if (TryParse(scalar.Value, out var value))
        {
            return value;
        }
        throw new YamlException(scalar.Start, scalar.End,
            $"'{scalar.Value}' is not a duration; write it with a unit, e.g. 500ms, 5s, 2m, 1h");
    }

    public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
        emitter.Emit(new Scalar(value is TimeSpan t ? t.ToString("c", CultureInfo.InvariantCulture) : ""));

    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        (string suffix, double factorMs)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var n) &&
                n >= 0)
            {
                value = TimeSpan.FromMilliseconds(n * factor);
                return true;
            }
        }
        if (text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero)
        {
            return true;
        }
        value = default;
        return false;
    }
}
