using System.Globalization;
using System.Text;

namespace Aeg.Metrics;

/// <summary>Writes the Prometheus text exposition format (version 0.0.4) with escaped labels.</summary>
public sealed class PrometheusTextWriter(TextWriter output)
{
    /// <summary>The content type a scrape response must carry for this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Starts a family: its HELP and TYPE lines. <paramref name="type"/> is counter, gauge or histogram.</summary>
    public void Family(string name, string type, string help)
    {
        output.Write("# HELP ");
        output.Write(name);
        output.Write(' ');
        output.Write(EscapeHelp(help));
        output.Write('\n');
        output.Write("# TYPE ");
        output.Write(name);
        output.Write(' ');
        output.Write(type);
        output.Write('\n');
    }

    /// <summary>One sample line of the current family.</summary>
    public void Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        output.Write(name);
        WriteLabels(labels, default);
        output.Write(' ');
        output.Write(FormatValue(value));
        output.Write('\n');
    }

    /// <summary>The bucket, sum and count lines of one labelled histogram series.</summary>
    public void Histogram(string name, HistogramSnapshot histogram, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        long cumulative = 0;
        for (var i = 0; i < histogram.UpperBounds.Length; i++)
        {
            cumulative += histogram.BucketCounts[i];
            output.Write(name);
            output.Write("_bucket");
            WriteLabels(labels, ("le", FormatValue(histogram.UpperBounds[i])));
            output.Write(' ');
            output.Write(cumulative.ToString(CultureInfo.InvariantCulture));
            output.Write('\n');
        }
        output.Write(name);
        output.Write("_bucket");
        WriteLabels(labels, ("le", "+Inf"));
        output.Write(' ');
        output.Write(histogram.Count.ToString(CultureInfo.InvariantCulture));
        output.Write('\n');
        Sample(name + "_sum", histogram.Sum, labels);
        Sample(name + "_count", histogram.Count, labels);
    }

    private void WriteLabels(ReadOnlySpan<(string Name, string Value)> labels, (string Name, string Value) extra)
    {
        if (labels.IsEmpty && extra.Name is null)
        {
            return;
        }
        output.Write('{');
        var first = true;
        foreach (var (labelName, labelValue) in labels)
        {
            WriteLabel(labelName, labelValue, ref first);
        }
        if (extra.Name is not null)
        {
            WriteLabel(extra.Name, extra.Value, ref first);
        }
        output.Write('}');
    }

    private void WriteLabel(string name, string value, ref bool first)
    {
        if (!first)
        {
            output.Write(',');
        }
        first = false;
        output.Write(name);
        output.Write("=\"");
        output.Write(EscapeLabelValue(value));
        output.Write('"');
    }

    /// <summary>Label values escape backslash, double quote and line feed; nothing else.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\"\n") < 0)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            sb.Append(c switch { '\\' => "\\\\", '"' => "\\\"", '\n' => "\\n", _ => c.ToString() });
        }
        return sb.ToString();
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\").Replace("\n", "\\n");

    public static string FormatValue(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };
}
