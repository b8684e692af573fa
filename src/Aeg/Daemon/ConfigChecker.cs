using Aeg.Configuration;
using Aeg.Esm;
using Aeg.Rules;
using Aeg.Tickets;

namespace Aeg.Daemon;

/// <summary>One problem found by <see cref="ConfigChecker"/>: which file, which key, why.</summary>
public sealed record ConfigFinding(string File, string Key, string Reason, bool IsWarning = false)
{
    public override string ToString() => $"{File}: {Key}: {(IsWarning ? "warning: " : "")}{Reason}";
}

/// <summary>
/// <c>aeg config check</c>: validates aeg.yaml, the CEF mappings, every rule file and the
/// secrets' sources (environment variables set, files readable), and reports every problem
/// instead of stopping at the first file. Nothing is connected to.
/// </summary>
public static class ConfigChecker
{
    /// <summary>Every problem and warning; the config is usable when none is an error.</summary>
    public static List<ConfigFinding> Check(string configPath, out string summary)
    {
        var findings = new List<ConfigFinding>();
        summary = "";
        AegOptions options;
        try
        {
            options = AegConfig.Read(configPath);
        }
        catch (ConfigException ex)
        {
            // A file that does not parse cannot be checked further.
            findings.AddRange(ex.Problems.Select(p => new ConfigFinding(ex.File, p.Key, p.Reason)));
            return findings;
        }
        findings.AddRange(AegConfig.Validate(options).Select(p => new ConfigFinding(configPath, p.Key, p.Reason)));

        var mappings = "not checked";
        if (options.Mappings is null || File.Exists(options.Mappings))
        {
            Collect(findings, () => mappings = $"{AegConfig.LoadMappings(options).Fields.Count} fields");
        }

        var rules = "no rules.path";
        if (options.Rules.Path is { Length: > 0 } rulesPath)
        {
            rules = CheckRules(rulesPath, options, findings);
        }

        Collect(findings, () => DatabasePassword.Resolve(options.Database, configPath));
        if (DatabasePassword.WorldReadableWarning(options.Database) is { } warning)
        {
            findings.Add(new ConfigFinding(configPath, "database.passwordFile", warning, IsWarning: true));
        }
        foreach (var (name, system) in options.Tickets.Systems)
        {
            if (system is not null)
            {
                Collect(findings, () => TicketSecrets.Resolve(name, system, configPath));
                Collect(findings, () => TicketSecrets.ResolveUrl(name, system, configPath));
            }
        }
        if (options.Esm is { IsConfigured: true } esm)
        {
            Collect(findings, () => Secrets.ReadRequired(esm.Password("esm"), configPath));
            if (EsmService.PermissionWarning(esm) is { } esmWarning)
            {
                findings.Add(new ConfigFinding(configPath, "esm.passwordFile", esmWarning, IsWarning: true));
            }
        }
        findings.AddRange(TicketSecrets.PermissionWarnings(options.Tickets).Select(w => new ConfigFinding(configPath, "tickets.systems", w, IsWarning: true)));
        summary = $"config {configPath}; mappings {AegConfig.MappingsSource(options)} ({mappings}); rules: {rules}";
        return findings;
    }

    private static string CheckRules(string path, AegOptions options, List<ConfigFinding> findings)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            findings.Add(new ConfigFinding(path, "rules.path", "no such rules file or directory"));
            return "missing";
        }
        var count = 0;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            RuleFileModel model;
            try
            {
                model = YamlFile.Load<RuleFileModel>(file);
            }
            catch (ConfigException ex)
            {
                findings.AddRange(ex.Problems.Select(p => new ConfigFinding(ex.File, p.Key, p.Reason)));
                continue;
            }
            var problems = new List<ConfigProblem>();
            foreach (var (rule, index) in RuleLoader.Compile(model, file, options.Tickets.TargetKinds(), problems, options.Rules.ExtensionKeys))
            {
                if (rule.Enrichment is not null && options.Esm is not { IsConfigured: true })
                {
                    problems.Add(new ConfigProblem($"rules[{index}].enrich", "'esm' needs the ESM Service Layer: set esm.url, esm.user and the password in the config"));
                }
                if (!names.TryAdd(rule.Name, file))
                {
                    problems.Add(new ConfigProblem($"rules[{index}].name", $"'{rule.Name}' is already the name of a rule in {names[rule.Name]}"));
                }
                count++;
            }
            findings.AddRange(problems.Select(p => new ConfigFinding(file, p.Key, p.Reason)));
        }
        if (options.Esm?.Cases is { Enabled: true } cases)
        {
            // The case rules are found by name at start-up; a typo would stop aeg run there.
            findings.AddRange(cases.Rules.Where(n => !names.ContainsKey(n)).Select(n =>
                new ConfigFinding(path, "esm.cases.rules", $"no rule named '{n}' in rules.path")));
        }
        return $"{count} rule(s) in {files.Length} file(s)";
    }

    private static void Collect(List<ConfigFinding> findings, Action check)
    {
        try
        {
            check();
        }
        catch (ConfigException ex)
        {
            findings.AddRange(ex.Problems.Select(p => new ConfigFinding(ex.File, p.Key, p.Reason)));
        }
    }
}
