namespace Aeg.Metrics;

/// <summary>Shorthands for the common case of a family with one unlabelled sample.</summary>
internal static class PrometheusFamilies
{
    public static void Counter(this PrometheusTextWriter writer, string name, string help, double value)
    {
        writer.Family(name, "counter", help);
        writer.Sample(name, value);
    }

    public static void Gauge(this PrometheusTextWriter writer, string name, string help, double value)
    {
        writer.Family(name, "gauge", help);
        writer.Sample(name, value);
    }

    /// <summary>A family with one sample per item, labelled by <paramref name="label"/>; HELP and TYPE even when there are no items.</summary>
    public static void PerItem<T>(this PrometheusTextWriter writer, string name, string type, string help, IEnumerable<T> items,
        string label, Func<T, string> labelValue, Func<T, double> value)
    {
        writer.Family(name, type, help);
        foreach (var item in items)
        {
            writer.Sample(name, value(item), (label, labelValue(item)));
        }
    }
}
