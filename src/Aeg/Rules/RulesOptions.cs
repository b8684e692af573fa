using Aeg.Configuration;

namespace Aeg.Rules;

/// <summary>The <c>rules:</c> config section: where the rule files are and how templates render gaps.</summary>
public sealed class RulesOptions
{
    /// <summary>A rules file or a directory of <c>*.yaml</c> files; relative to the config file. None: no rules.</summary>
    public string? Path { get; set; }

    /// <summary>What a template variable without a value and without a default renders as.</summary>
    public string MissingValue { get; set; } = "(none)";

    /// <summary>Extension keys outside the CEF dictionary that the site's sources send; rules may read them.</summary>
    public List<string> ExtensionKeys { get; set; } = [];

    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        for (var i = 0; i < (ExtensionKeys ?? []).Count; i++)
        {
            if (FieldRef.ParseField(ExtensionKeys![i] ?? "", allowRaw: false, out var reason) is not { Kind: FieldKind.Extension })
            {
                yield return new ConfigProblem($"{keyPrefix}.extensionKeys[{i}]", reason ?? $"'{ExtensionKeys[i]}' is a header field, not an extension key");
            }
        }
        if (Path is { Length: > 0 } p && !File.Exists(p) && !Directory.Exists(p))
        {
            yield return new ConfigProblem(keyPrefix + ".path", $"no such file or directory: {p}");
        }
        if (MissingValue is null)
        {
            yield return new ConfigProblem(keyPrefix + ".missingValue", "must be a string (use \"\" for nothing)");
        }
    }
}
