using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Aeg.TestKit;

/// <summary>One sample line: metric name, labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    /// <summary>The labels as one comparable key, e.g. <c>a="1",b="2"</c> (sorted by name).</summary>
    public string LabelKey(string? without = null) =>
        string.Join(",", Labels.Where(l => l.Key != without).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\""));
}

/// <summary>A metric family: its TYPE, HELP and samples in page order.</summary>
internal sealed class PrometheusFamily(string name)
{
    public string Name { get; } = name;
    public string? Type { get; set; }
    public string? Help { get; set; }
    public List<PrometheusSample> Samples { get; } = [];
}

/// <summary>The parsed page.</summary>
internal sealed class PrometheusPage(IReadOnlyDictionary<string, PrometheusFamily> families)
{
    public IReadOnlyDictionary<string, PrometheusFamily> Families { get; } = families;

    /// <summary>The value of the one sample named <paramref name="name"/> with exactly these labels.</summary>
    public double Value(string name, params (string Name, string Value)[] labels)
    {
        var want = string.Join(",", labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\""));
        var found = Families.Values.SelectMany(f => f.Samples).Where(s => s.Name == name && s.LabelKey() == want).ToList();
        return found.Count == 1 ? found[0].Value : throw new KeyNotFoundException($"{found.Count} samples {name}{{{want}}}");
    }

    /// <summary>The sum over every sample named <paramref name="name"/> carrying at least these labels (any others summed over, as PromQL's sum without).</summary>
    public double Sum(string name, params (string Name, string Value)[] labels)
    {
        var want = labels.Select(l => $"{l.Name}=\"{l.Value}\"").ToList();
        var found = Families.Values.SelectMany(f => f.Samples)
            .Where(s => s.Name == name && want.All(w => s.LabelKey().Split(',').Contains(w))).ToList();
        return found.Count > 0 ? found.Sum(s => s.Value) : throw new KeyNotFoundException($"no sample {name} with {string.Join(",", want)}");
    }
}

/// <summary>Thrown on the first violation of the text format; the message names the line.</summary>
internal sealed class PrometheusFormatException(int line, string reason) : Exception($"line {line}: {reason}");

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, written for the tests: HELP and
/// TYPE at most once and before their samples, each family's lines in one group, metric and label
/// name syntax, label value escaping (only \\, \" and \n), Go float values, no duplicate series,
/// counters non-negative, histograms with ascending <c>le</c>, non-decreasing cumulative buckets, a
/// +Inf bucket equal to <c>_count</c>, and <c>_sum</c>/<c>_count</c> per series.
/// </summary>
internal static partial class PrometheusTextParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    /// <summary>
    /// <see cref="Parse"/>, and Aeg's own rules on top: every family is named aeg_*, has a TYPE and a
    /// HELP, and a counter's name ends in _total.
    /// </summary>
    public static PrometheusPage ParseAeg(string text)
    {
        var page = Parse(text);
        foreach (var family in page.Families.Values)
        {
            Assert.StartsWith("aeg_", family.Name);
            Assert.NotNull(family.Type);
            Assert.False(string.IsNullOrWhiteSpace(family.Help), $"{family.Name} has no HELP");
            Assert.True(family.Type != "counter" || family.Name.EndsWith("_total", StringComparison.Ordinal), $"counter {family.Name} does not end in _total");
        }
        return page;
    }

    public static PrometheusPage Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new PrometheusFormatException(text.Count(c => c == '\n') + 1, "the page does not end with a line feed");
        }
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        PrometheusFamily? current = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var n = i + 1;
            var line = lines[i];
            if (line.Contains('\r'))
            {
                throw new PrometheusFormatException(n, "carriage return in a line");
            }
            if (line.Length == 0)
            {
                continue;
            }
            PrometheusFamily Enter(string name)
            {
                if (current?.Name == name)
                {
                    return current;
                }
                if (current is not null)
                {
                    closed.Add(current.Name);
                }
                if (closed.Contains(name))
                {
                    throw new PrometheusFormatException(n, $"lines of family {name} are not in one group");
                }
                if (!families.TryGetValue(name, out var family))
                {
                    family = new PrometheusFamily(name);
                    families[name] = family;
                }
                current = family;
                return family;
            }

            if (line.StartsWith('#'))
            {
                var m = MetaLine().Match(line);
                if (!m.Success)
                {
                    if (line.StartsWith("# HELP", StringComparison.Ordinal) || line.StartsWith("# TYPE", StringComparison.Ordinal))
                    {
                        throw new PrometheusFormatException(n, "malformed HELP or TYPE line");
                    }
                    continue; // a plain comment
                }
                var family = Enter(m.Groups["name"].Value);
                var rest = m.Groups["rest"].Value;
                if (m.Groups["kind"].Value == "HELP")
                {
                    if (family.Help is not null)
                    {
                        throw new PrometheusFormatException(n, $"second HELP for {family.Name}");
                    }
                    if (family.Samples.Count > 0)
                    {
                        throw new PrometheusFormatException(n, $"HELP for {family.Name} after its samples");
                    }
                    family.Help = UnescapeHelp(rest, n);
                }
                else
                {
                    if (family.Type is not null)
                    {
                        throw new PrometheusFormatException(n, $"second TYPE for {family.Name}");
                    }
                    if (family.Samples.Count > 0)
                    {
                        throw new PrometheusFormatException(n, $"TYPE for {family.Name} after its samples");
                    }
                    if (!Types.Contains(rest))
                    {
                        throw new PrometheusFormatException(n, $"unknown type '{rest}'");
                    }
                    family.Type = rest;
                }
                continue;
            }

            var sample = ParseSample(line, n);
            var familyName = FamilyOf(sample.Name, current);
            var owner = Enter(familyName);
            CheckSampleFitsType(owner, sample, n);
            if (!series.Add(sample.Name + "{" + sample.LabelKey() + "}"))
            {
                throw new PrometheusFormatException(n, $"duplicate series {sample.Name}{{{sample.LabelKey()}}}");
            }
            owner.Samples.Add(sample);
        }
        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(family);
        }
        return new PrometheusPage(families);
    }

    // A histogram's _bucket/_sum/_count lines belong to the family being written, when it is one.
    private static string FamilyOf(string sampleName, PrometheusFamily? current)
    {
        if (current?.Type is "histogram" or "summary")
        {
            foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
            {
                if (sampleName == current.Name + suffix)
                {
                    return current.Name;
                }
            }
        }
        return sampleName;
    }

    private static void CheckSampleFitsType(PrometheusFamily family, PrometheusSample sample, int n)
    {
        switch (family.Type)
        {
            case "counter":
                if (sample.Name != family.Name)
                {
                    throw new PrometheusFormatException(n, $"sample {sample.Name} in counter family {family.Name}");
                }
                if (double.IsNaN(sample.Value) || sample.Value < 0)
                {
                    throw new PrometheusFormatException(n, $"counter {sample.Name} is {sample.Value}");
                }
                break;
            case "histogram":
                if (sample.Name == family.Name + "_bucket")
                {
                    if (!sample.Labels.TryGetValue("le", out var le) || !TryParseValue(le, out _))
                    {
                        throw new PrometheusFormatException(n, $"bucket of {family.Name} without a numeric le label");
                    }
                }
                else if (sample.Labels.ContainsKey("le"))
                {
                    throw new PrometheusFormatException(n, $"le label on {sample.Name}");
                }
                if (sample.Value < 0 || double.IsNaN(sample.Value) && sample.Name != family.Name + "_sum")
                {
                    throw new PrometheusFormatException(n, $"negative or NaN {sample.Name}");
                }
                break;
        }
    }

    private static void CheckHistogram(PrometheusFamily family)
    {
        foreach (var group in family.Samples.GroupBy(s => s.LabelKey(without: "le")))
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            var where = $"histogram {family.Name}{{{group.Key}}}";
            if (buckets.Count == 0)
            {
                throw new PrometheusFormatException(0, $"{where} has no buckets");
            }
            double previousLe = double.NegativeInfinity, previousCount = 0;
            foreach (var b in buckets)
            {
                TryParseValue(b.Labels["le"], out var le);
                if (!(le > previousLe))
                {
                    throw new PrometheusFormatException(0, $"{where}: le {le} does not ascend");
                }
                if (b.Value < previousCount)
                {
                    throw new PrometheusFormatException(0, $"{where}: bucket le={le} holds {b.Value} < {previousCount}");
                }
                previousLe = le;
                previousCount = b.Value;
            }
            if (!double.IsPositiveInfinity(previousLe))
            {
                throw new PrometheusFormatException(0, $"{where} has no +Inf bucket");
            }
            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count")
                ?? throw new PrometheusFormatException(0, $"{where} has no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum")
                ?? throw new PrometheusFormatException(0, $"{where} has no _sum");
            if (count.Value != previousCount)
            {
                throw new PrometheusFormatException(0, $"{where}: +Inf bucket {previousCount} != _count {count.Value}");
            }
        }
    }

    private static PrometheusSample ParseSample(string line, int n)
    {
        var name = MetricName().Match(line);
        if (!name.Success)
        {
            throw new PrometheusFormatException(n, "no valid metric name at the start");
        }
        var pos = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pos < line.Length && line[pos] == '{')
        {
            pos++;
            while (true)
            {
                if (pos < line.Length && line[pos] == '}')
                {
                    pos++;
                    break;
                }
                var label = LabelName().Match(line, pos);
                if (!label.Success || label.Index != pos)
                {
                    throw new PrometheusFormatException(n, $"bad label name at column {pos + 1}");
                }
                if (label.Value.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new PrometheusFormatException(n, $"reserved label name {label.Value}");
                }
                pos += label.Length;
                if (pos + 1 >= line.Length || line[pos] != '=' || line[pos + 1] != '"')
                {
                    throw new PrometheusFormatException(n, $"expected =\" after label {label.Value}");
                }
                pos += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (pos >= line.Length)
                    {
                        throw new PrometheusFormatException(n, $"unterminated value of label {label.Value}");
                    }
                    var c = line[pos++];
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\')
                    {
                        if (pos >= line.Length)
                        {
                            throw new PrometheusFormatException(n, "backslash at end of line");
                        }
                        value.Append(line[pos++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new PrometheusFormatException(n, $"invalid escape \\{other} in label {label.Value}"),
                        });
                        continue;
                    }
                    value.Append(c);
                }
                if (!labels.TryAdd(label.Value, value.ToString()))
                {
                    throw new PrometheusFormatException(n, $"label {label.Value} twice");
                }
                if (pos < line.Length && line[pos] == ',')
                {
                    pos++;
                }
                else if (pos >= line.Length || line[pos] != '}')
                {
                    throw new PrometheusFormatException(n, $"expected , or }} at column {pos + 1}");
                }
            }
        }
        if (pos >= line.Length || line[pos] != ' ')
        {
            throw new PrometheusFormatException(n, "expected one space before the value");
        }
        var fields = line[(pos + 1)..].Split(' ');
        if (fields.Length is < 1 or > 2 || !TryParseValue(fields[0], out var v))
        {
            throw new PrometheusFormatException(n, $"bad value or timestamp '{line[(pos + 1)..]}'");
        }
        if (fields.Length == 2 && !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new PrometheusFormatException(n, $"bad timestamp '{fields[1]}'");
        }
        return new PrometheusSample(name.Value, labels, v);
    }

    /// <summary>A value as Go's ParseFloat reads it: decimal or exponent notation, +Inf, -Inf, NaN.</summary>
    public static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf" or "Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
        }
        value = 0;
        return FloatSyntax().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static string UnescapeHelp(string text, int n)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                sb.Append(text[i]);
                continue;
            }
            if (++i >= text.Length)
            {
                throw new PrometheusFormatException(n, "backslash at end of HELP");
            }
            sb.Append(text[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new PrometheusFormatException(n, $"invalid escape \\{other} in HELP"),
            });
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) ?(?<rest>.*)$")]
    private static partial Regex MetaLine();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")]
    private static partial Regex FloatSyntax();
}
