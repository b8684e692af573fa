using System.Globalization;
using Aeg.Annotations;
using Aeg.Configuration;

namespace Aeg.Daemon;

/// <summary>Loads and validates <c>aeg.yaml</c>; resolves relative paths against the file's folder.</summary>
public static class AegConfig
{
    public static AegOptions Load(string path)
    {
        var options = Read(path);
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw new ConfigException(path, problems);
        }
        return options;
    }

    /// <summary>Parses the file and resolves its relative paths, without the semantic checks of <see cref="Validate"/> (for <c>aeg config check</c>).</summary>
    public static AegOptions Read(string path)
    {
        var options = YamlFile.Load<AegOptions>(path);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        options.Mappings = Resolve(options.Mappings, baseDir);
        options.State.Directory = Path.GetFullPath(options.State.Directory, baseDir);
        if (options.Database.PasswordFile is { Length: > 0 } pf)
        {
            options.Database.PasswordFile = Path.GetFullPath(pf, baseDir);
        }
        var sy = options.Syslog;
        sy.TlsCaFile = Resolve(sy.TlsCaFile, baseDir);
        sy.TlsClientCertFile = Resolve(sy.TlsClientCertFile, baseDir);
        sy.TlsClientKeyFile = Resolve(sy.TlsClientKeyFile, baseDir);
        options.Listen.Listeners.ForEach(l => l?.ResolvePaths(baseDir));
        options.Tickets.ResolvePaths(baseDir);
        options.Rules.Path = Resolve(options.Rules.Path, baseDir);
        (options.Esm ??= new()).ResolvePaths(baseDir);
        options.Http.ResolvePaths(baseDir);
        options.Logging.Directory = Resolve(options.Logging.Directory, baseDir);
        options.Analytics.ResolvePaths(baseDir);
        return options;
    }

    private static string? Resolve(string? path, string baseDir) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, baseDir);

    /// <summary>Every semantic problem of the options (the YAML already parsed), section by section in file order.</summary>
    public static List<ConfigProblem> Validate(AegOptions o)
    {
        IEnumerable<ConfigProblem> mappings = o.Mappings is null || File.Exists(o.Mappings) ? [] : [new ConfigProblem("mappings", $"file not found: {o.Mappings}")];
        return
        [
            .. o.Database.Validate("database"),
            .. o.Source.Validate("source"),
            .. o.Poller.Validate("poller"),
            .. o.State.Validate("state"),
            .. o.Ha.Validate("ha", o.Database),
            .. o.Syslog.Validate("syslog"),
            .. o.Listen.Validate("listen"),
            .. o.Tickets.Validate("tickets"),
            .. o.Rules.Validate("rules"),
            .. (o.Esm ?? new()).Validate("esm"),
            .. o.Http.Validate("http"),
            .. o.Logging.Validate("logging"),
            .. o.Analytics.Validate("analytics"),
            .. mappings,
        ];
    }

    /// <summary>The file named by <c>mappings:</c>, or the mappings built into aeg when the key is absent; throws <see cref="ConfigException"/>.</summary>
    public static CefMappings LoadMappings(AegOptions o) =>
        o.Mappings is null ? CefMappingsFile.Parse(BuiltInFiles.MappingsName, BuiltInFiles.Mappings()) : CefMappingsFile.Load(o.Mappings);

    /// <summary>Where <see cref="LoadMappings"/> reads from, for messages.</summary>
    public static string MappingsSource(AegOptions o) => o.Mappings ?? BuiltInFiles.MappingsName;
}
