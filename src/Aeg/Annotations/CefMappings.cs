using System.Globalization;
using System.Text.RegularExpressions;
using Aeg.Configuration;

namespace Aeg.Annotations;

/// <summary>The contents of cef-mappings.yaml: header, severity per stage, flag labels and fields.</summary>
public sealed class CefMappings
{
    public CefHeaderMapping Header { get; set; } = new();
    public Dictionary<string, string> SeverityByStage { get; set; } = [];
    public Dictionary<int, string> Flags { get; set; } = [];
    public List<CefFieldMapping> Fields { get; set; } = [];
}

/// <summary>The constant CEF header fields of an Annotation Event.</summary>
public sealed class CefHeaderMapping
{
    public string DeviceVendor { get; set; } = "HP";
    public string DeviceProduct { get; set; } = "AEG";
    public string DeviceVersion { get; set; } = "1.0";
    public string DeviceEventClassId { get; set; } = "annotation";
    public string Name { get; set; } = "Annotation Event";
    public string DefaultSeverity { get; set; } = "Unknown";
}

/// <summary>One CEF extension key, the annotation value it carries and its optional label.</summary>
public sealed class CefFieldMapping
{
    public string Key { get; set; } = "";
    public AnnotationField Source { get; set; }
    public string? Label { get; set; }
}

/// <summary>The values of an annotation row (and of Aeg) a CEF field can carry.</summary>
public enum AnnotationField
{
    HostName, ModifiedBy, AuditTrail, CurrentComment, Stage, StageUri, StageUser, StageUpdateTime,
    FlagLabels, Flags, Version, EventId, ModificationTime, ManagerReceiptTime, EndTime, MissedVersions, Changes,
}

/// <summary>Loads and validates cef-mappings.yaml.</summary>
public static partial class CefMappingsFile
{
    public static CefMappings Load(string path)
    {
        var mappings = YamlFile.Load<CefMappings>(path);
        var problems = Validate(mappings);
        if (problems.Count > 0)
        {
            throw new ConfigException(path, problems);
        }
        return mappings;
    }

    public static CefMappings Parse(string fileName, string yaml)
    {
        var mappings = YamlFile.Parse<CefMappings>(fileName, yaml);
        var problems = Validate(mappings);
        return problems.Count > 0 ? throw new ConfigException(fileName, problems) : mappings;
    }

    public static List<ConfigProblem> Validate(CefMappings m)
    {
        var p = new List<ConfigProblem>();
        CheckHeader(m.Header.DeviceVendor, "header.deviceVendor", 63, p);
        CheckHeader(m.Header.DeviceProduct, "header.deviceProduct", 63, p);
        CheckHeader(m.Header.DeviceVersion, "header.deviceVersion", 31, p);
        CheckHeader(m.Header.DeviceEventClassId, "header.deviceEventClassId", 1023, p);
        CheckHeader(m.Header.Name, "header.name", 512, p);
        if (!IsSeverity(m.Header.DefaultSeverity))
        {
            p.Add(new("header.defaultSeverity", SeverityReason(m.Header.DefaultSeverity)));
        }
        foreach (var (stage, severity) in m.SeverityByStage)
        {
            if (!IsSeverity(severity))
            {
                p.Add(new($"severityByStage.{stage}", SeverityReason(severity)));
            }
        }
        foreach (var (bit, label) in m.Flags)
        {
            if (bit is < 0 or > 62)
            {
                p.Add(new($"flags.{bit}", "bit number must be 0–62"));
            }
            if (string.IsNullOrWhiteSpace(label) || label.Contains(','))
            {
                p.Add(new($"flags.{bit}", "label must be non-empty and contain no comma (labels are joined with commas)"));
            }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < m.Fields.Count; i++)
        {
            var f = m.Fields[i];
            var key = $"fields[{i}].key";
            if (!CefKey().IsMatch(f.Key))
            {
                p.Add(new(key, $"'{f.Key}' is not a CEF extension key (letters, digits, _ . [ ])"));
            }
            else if (!seen.Add(f.Key))
            {
                p.Add(new(key, $"'{f.Key}' is mapped twice"));
            }
            if (f.Key is "cd1" or "cd2")
            {
                p.Add(new(key, $"'{f.Key}' is not in the CEF dictionary and a SmartConnector drops it; use deviceCustomDate{f.Key[^1]}"));
            }
            if (f.Label is not null)
            {
                if (!LabelledKey().IsMatch(f.Key))
                {
                    p.Add(new($"fields[{i}].label", $"'{f.Key}' has no label key; labels exist for csN, cnN, cfpN, c6aN, deviceCustomDateN, flexStringN, flexNumberN, flexDate1"));
                }
                else if (f.Label.Length is 0 or > 1023)
                {
                    p.Add(new($"fields[{i}].label", "must be 1–1023 characters"));
                }
            }
            if (!Enum.IsDefined(f.Source))
            {
                p.Add(new($"fields[{i}].source", $"unknown source {f.Source}"));
            }
        }
        return p;
    }

    private static void CheckHeader(string value, string key, int max, List<ConfigProblem> p)
    {
        if (string.IsNullOrEmpty(value) || value.Length > max)
        {
            p.Add(new(key, $"must be 1–{max} characters"));
        }
    }

    internal static bool IsSeverity(string s) =>
        (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 10) ||
        s is "Unknown" or "Low" or "Medium" or "High" or "Very-High";

    private static string SeverityReason(string s) => $"'{s}' is not a CEF severity (0–10 or Unknown, Low, Medium, High, Very-High)";

    [GeneratedRegex(@"^[A-Za-z0-9_.,\[\]]+$")]
    private static partial Regex CefKey();

    [GeneratedRegex(@"^(cs[1-6]|cn[1-3]|cfp[1-4]|c6a[1-4]|deviceCustomDate[12]|flexString[12]|flexNumber[12]|flexDate1)$")]
    private static partial Regex LabelledKey();
}
