using System.Globalization;
using System.Text.RegularExpressions;

namespace Aeg.IntegrationTests.Analytics;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4: every sample belongs to a family declared
/// by HELP and TYPE, names and labels are well-formed, values parse, histogram buckets are
/// cumulative and end in +Inf equal to _count. Returns sample (name with labels as written) → value.
/// </summary>
internal static partial class StrictPrometheusText
{
    public static Dictionary<string, double> Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        string? help = null;
        var lastBucket = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                help = MetricName().Match(line[7..]).Value;
                Assert.NotEmpty(help);
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Assert.Equal(2, parts.Length);
                Assert.Equal(help, parts[0]);
                Assert.Contains(parts[1], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(types.TryAdd(parts[0], parts[1]), $"family {parts[0]} declared twice");
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"not a sample line: {line}");
            var name = m.Groups["name"].Value;
            var family = types.Keys.SingleOrDefault(f => name == f || (types[f] == "histogram" && (name == f + "_bucket" || name == f + "_sum" || name == f + "_count")));
            Assert.True(family is not null, $"sample {name} has no declared family");
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            var key = name + m.Groups["labels"].Value;
            Assert.True(samples.TryAdd(key, value), $"duplicate sample {key}");
            if (name.EndsWith("_bucket", StringComparison.Ordinal))
            {
                var series = name + LeLabel().Replace(m.Groups["labels"].Value, "").Replace("{,", "{").Replace("{}", "");
                Assert.True(value >= lastBucket.GetValueOrDefault(series), $"bucket not cumulative: {line}");
                lastBucket[series] = value;
                if (line.Contains("le=\"+Inf\"", StringComparison.Ordinal))
                {
                    lastBucket[series + "#inf"] = value;
                }
            }
            if (name.EndsWith("_count", StringComparison.Ordinal) && types.GetValueOrDefault(name[..^"_count".Length]) == "histogram")
            {
                Assert.True(lastBucket.TryGetValue(name[..^"_count".Length] + "_bucket" + m.Groups["labels"].Value + "#inf", out var inf),
                    $"{key} has no +Inf bucket before it");
                Assert.Equal(inf, value);
            }
        }
        return samples;
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,(?!\}))?)*\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(",?le=\"[^\"]*\"")]
    private static partial Regex LeLabel();
}
