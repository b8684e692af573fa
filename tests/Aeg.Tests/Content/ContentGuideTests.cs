using System.Text.RegularExpressions;
using Aeg.Annotations;

namespace Aeg.Tests.Content;

/// <summary>
/// The ESM guides in content/esm/ name CEF keys, labels and header values; cef-mappings.yaml is
/// the one source of truth for them. Every name the guides use must be one the mapping produces.
/// </summary>
public sealed partial class ContentGuideTests
{
    private static readonly CefMappings Mappings = RepoMappings.Load();

    private static Dictionary<string, string> HeaderValues => new()
    {
        ["deviceVendor"] = Mappings.Header.DeviceVendor,
        ["deviceProduct"] = Mappings.Header.DeviceProduct,
        ["name"] = Mappings.Header.Name,
        ["deviceEventClassId"] = Mappings.Header.DeviceEventClassId,
    };

    // How the ArcSight Console names the CEF keys the mapping may use.
    private static readonly Dictionary<string, string> EsmNames = new()
    {
        ["Device Vendor"] = "deviceVendor",
        ["Device Product"] = "deviceProduct",
        ["Name"] = "name",
        ["Device Event Class ID"] = "deviceEventClassId",
        ["Source Host Name"] = "shost",
        ["Destination User Name"] = "duser",
        ["Source User Name"] = "suser",
        ["Destination Host Name"] = "dhost",
    };

    public static TheoryData<string> Guides() => [.. Directory.GetFiles(TestServices.RepoFile("content/esm"), "*.md").Select(f => Path.GetFileName(f)!)];

    [Theory]
    [MemberData(nameof(Guides))]
    public void Every_cef_key_label_and_header_value_in_the_guide_is_the_mappings(string guide)
    {
        var text = File.ReadAllText(TestServices.RepoFile(Path.Combine("content/esm", guide)));
        var problems = new List<string>();

        foreach (Match m in BacktickedKey().Matches(text))
        {
            if (Field(m.Groups[1].Value) is null)
            {
                problems.Add($"`{m.Groups[1].Value}` is not a key of cef-mappings.yaml");
            }
        }
        foreach (Match m in LabelPair().Matches(text))
        {
            CheckLabel(m.Groups[1].Value, m.Groups[2].Value, m.Value, problems);
        }
        foreach (Match m in EsmCustomField().Matches(text))
        {
            var key = Key(m.Groups[1].Value, m.Groups[2].Value);
            if (Field(key) is null)
            {
                problems.Add($"'{m.Value}' ({key}) is not sent: cef-mappings.yaml has no {key}");
            }
            else if (m.Groups[3].Success)
            {
                CheckLabel(key, m.Groups[3].Value, m.Value, problems);
            }
        }
        foreach (Match m in VelocityCustomField().Matches(text))
        {
            var key = Key(m.Groups[1].Value, m.Groups[2].Value);
            if (Field(key) is null)
            {
                problems.Add($"'{m.Value}' ({key}) is not sent: cef-mappings.yaml has no {key}");
            }
        }
        foreach (Match m in HeaderCondition().Matches(text))
        {
            var key = EsmNames[m.Groups[1].Value];
            if (HeaderValues[key] != m.Groups[2].Value)
            {
                problems.Add($"'{m.Value}': the mapping sends {key} = {HeaderValues[key]}");
            }
        }
        foreach (Match m in FieldTableRow().Matches(text))
        {
            var (esm, key, value) = (m.Groups[1].Value.Trim(), m.Groups[2].Value, m.Groups[3].Value.Trim());
            var expectedKey = CustomFieldName().Match(esm) is { Success: true } c ? Key(c.Groups[1].Value, c.Groups[2].Value) : EsmNames.GetValueOrDefault(esm);
            if (expectedKey != key)
            {
                problems.Add($"table row '{esm} | {key}': ESM shows {key} as {expectedKey ?? "something else"}");
            }
            if (HeaderValues.TryGetValue(key, out var header))
            {
                if (header != value)
                {
                    problems.Add($"table row {key}: the mapping sends '{header}', the guide says '{value}'");
                }
            }
            else if (Field(key) is { } f && (f.Label ?? "") != value)
            {
                problems.Add($"table row {key}: the mapping's label is '{f.Label}', the guide says '{value}'");
            }
        }
        Assert.True(problems.Count == 0, $"{guide}:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_setup_guide_lists_every_field_of_the_mapping()
    {
        var text = File.ReadAllText(TestServices.RepoFile("content/esm/setup-guide.md"));
        var listed = FieldTableRow().Matches(text).Select(m => m.Groups[2].Value).ToHashSet();
        var missing = Mappings.Fields.Select(f => f.Key).Concat(HeaderValues.Keys).Where(k => !listed.Contains(k)).ToList();
        Assert.True(missing.Count == 0, "content/esm/setup-guide.md's field table lacks: " + string.Join(", ", missing));
    }

    [Fact]
    public void The_check_catches_a_wrong_label_and_an_unmapped_key()
    {
        // The same patterns over a deliberately wrong line must find both mistakes.
        Assert.Matches(LabelPair(), "`cs3Label=stages`");
        Assert.NotEqual("stages", Field("cs3")!.Label);
        Assert.Null(Field("cs7"));
        Assert.True(EsmCustomField().Match("`Device Custom String7 Label` `=` `x`").Success);
    }

    private static CefFieldMapping? Field(string key) => Mappings.Fields.FirstOrDefault(f => f.Key == key);

    private static void CheckLabel(string key, string label, string where, List<string> problems)
    {
        var f = Field(key);
        if (f is null || f.Label != label)
        {
            problems.Add($"'{where}': cef-mappings.yaml labels {key} as '{f?.Label ?? "(no such key)"}'");
        }
    }

    private static string Key(string kind, string number) => kind switch
    {
        "String" or "string" => "cs" + number,
        "Number" or "number" => "cn" + number,
        _ => "deviceCustomDate" + number,
    };

    [GeneratedRegex(@"`((?:cs|cn|cfp|c6a|flexString|flexNumber)\d+|deviceCustomDate\d+|shost|dhost|duser|suser)`")]
    private static partial Regex BacktickedKey();

    [GeneratedRegex(@"\b((?:cs|cn|cfp)\d+|deviceCustomDate\d+)Label=([A-Za-z0-9_]+)")]
    private static partial Regex LabelPair();

    [GeneratedRegex(@"Device Custom (String|Number|Date)(\d+)(?: Label`? `=` `([A-Za-z0-9_]+)`)?")]
    private static partial Regex EsmCustomField();

    [GeneratedRegex(@"\$event\d+\.deviceCustom(String|Number|Date)(\d+)")]
    private static partial Regex VelocityCustomField();

    [GeneratedRegex(@"`(Device Vendor|Device Product|Name)` `=` `([^`]+)`")]
    private static partial Regex HeaderCondition();

    [GeneratedRegex(@"^\| ([A-Z][A-Za-z0-9 ]+?) \| `([A-Za-z0-9]+)` \| ([^|]*)\|", RegexOptions.Multiline)]
    private static partial Regex FieldTableRow();

    [GeneratedRegex(@"^Device Custom (String|Number|Date)(\d+)$")]
    private static partial Regex CustomFieldName();
}
