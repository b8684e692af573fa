using System.Globalization;
using System.Text.RegularExpressions;

namespace Aeg.Configuration;

/// <summary>Loads and validates <c>aeg.yaml</c>; resolves relative paths against the file's folder.</summary>
public static partial class AegConfig
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
        options.Mappings = Path.GetFullPath(options.Mappings, baseDir);
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
        options.Http.ResolvePaths(baseDir);
        options.Logging.Directory = Resolve(options.Logging.Directory, baseDir);
        options.Analytics.ResolvePaths(baseDir);
        return options;
    }

    private static string? Resolve(string? path, string baseDir) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, baseDir);

    /// <summary>Every semantic problem of the options (the YAML already parsed).</summary>
    public static List<ConfigProblem> Validate(AegOptions o)
    {
        var p = new List<ConfigProblem>();
        void Check(bool ok, string key, string reason)
        {
            if (!ok)
            {
                p.Add(new ConfigProblem(key, reason));
            }
        }

        var db = o.Database;
        Check(!string.IsNullOrWhiteSpace(db.Host), "database.host", "must not be empty");
        Check(db.Port is > 0 and < 65536, "database.port", "must be 1–65535");
        Check(!string.IsNullOrWhiteSpace(db.Database), "database.database", "must not be empty");
        Check(!string.IsNullOrWhiteSpace(db.User), "database.user", "must not be empty");
        Check(!(db.PasswordEnv is { Length: > 0 } && db.PasswordFile is { Length: > 0 }), "database.passwordEnv", "set passwordEnv or passwordFile, not both");
        Check(SslModes.Contains(db.SslMode, StringComparer.OrdinalIgnoreCase), "database.sslMode", $"must be one of {string.Join(", ", SslModes)}");
        Check(db.ConnectTimeout >= TimeSpan.FromSeconds(1), "database.connectTimeout", "must be at least 1s");
        Check(db.CommandTimeout >= TimeSpan.FromSeconds(1), "database.commandTimeout", "must be at least 1s");

        var s = o.Source;
        CheckTable(s.Table, "source.table", p);
        var c = s.Columns;
        CheckColumn(c.EventId, "source.columns.eventId", required: true, p);
        CheckColumn(c.Version, "source.columns.version", required: true, p);
        CheckColumn(c.ModificationTime, "source.columns.modificationTime", required: true, p);
        CheckColumn(c.ModifiedBy, "source.columns.modifiedBy", required: false, p);
        CheckColumn(c.Stage, "source.columns.stage", required: false, p);
        CheckColumn(c.StageUpdateTime, "source.columns.stageUpdateTime", required: false, p);
        CheckColumn(c.StageUser, "source.columns.stageUser", required: false, p);
        CheckColumn(c.CurrentComment, "source.columns.currentComment", required: false, p);
        CheckColumn(c.AuditTrail, "source.columns.auditTrail", required: false, p);
        CheckColumn(c.Flags, "source.columns.flags", required: false, p);
        CheckColumn(c.EndTime, "source.columns.endTime", required: false, p);
        CheckColumn(c.ManagerReceiptTime, "source.columns.managerReceiptTime", required: false, p);
        foreach (var (lookup, key) in new[] { (s.StageLookup, "source.stageLookup"), (s.UserLookup, "source.userLookup") })
        {
            if (lookup is null)
            {
                continue;
            }
            CheckTable(lookup.Table, key + ".table", p);
            CheckColumn(lookup.IdColumn, key + ".idColumn", required: true, p);
            CheckColumn(lookup.NameColumn, key + ".nameColumn", required: true, p);
            CheckColumn(lookup.UriColumn, key + ".uriColumn", required: false, p);
        }

        var pl = o.Poller;
        Check(pl.Interval >= TimeSpan.FromSeconds(1), "poller.interval", "must be at least 1s");
        Check(pl.BatchSize is >= 1 and <= 1_000_000, "poller.batchSize", "must be 1–1000000");
        Check(pl.LookBack <= TimeSpan.FromDays(1), "poller.lookBack", "must be at most 1d");
        Check(pl.LookBackMaxRemembered >= 1, "poller.lookBackMaxRemembered", "must be at least 1");
        Check(pl.VersionMemory >= 0, "poller.versionMemory", "must not be negative");
        Check(TryParseFirstStart(pl.FirstStart, out _), "poller.firstStart", "must be 'now', 'beginning' or an ISO 8601 time such as 2026-11-01T00:00:00Z");
        Check(pl.RetryMinDelay > TimeSpan.Zero, "poller.retryMinDelay", "must be positive");
        Check(pl.RetryMaxDelay >= pl.RetryMinDelay, "poller.retryMaxDelay", "must be at least retryMinDelay");

        Check(!string.IsNullOrWhiteSpace(o.State.Directory), "state.directory", "must not be empty");
        p.AddRange(o.Ha.Validate("ha", o.Database));

        foreach (var error in o.Syslog.Validate())
        {
            var colon = error.IndexOf(':');
            p.Add(colon > 0 ? new ConfigProblem("syslog." + error[..colon], error[(colon + 1)..].Trim()) : new ConfigProblem("syslog", error));
        }
        p.AddRange(o.Listen.Validate("listen"));
        p.AddRange(o.Tickets.Validate("tickets"));
        p.AddRange(o.Rules.Validate("rules"));
        p.AddRange(o.Http.Validate("http"));
        p.AddRange(o.Logging.Validate("logging"));
        p.AddRange(o.Analytics.Validate("analytics"));
        Check(File.Exists(o.Mappings), "mappings", $"file not found: {o.Mappings}");
        return p;
    }

    /// <summary>Parses <c>poller.firstStart</c>: null for "now", <see cref="DateTimeOffset.MinValue"/> for "beginning".</summary>
    public static bool TryParseFirstStart(string text, out DateTimeOffset? start)
    {
        start = null;
        if (text.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (text.Equals("beginning", StringComparison.OrdinalIgnoreCase))
        {
            start = DateTimeOffset.MinValue;
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
        {
            start = t;
            return true;
        }
        return false;
    }

    private static readonly string[] SslModes = ["None", "Preferred", "Required", "VerifyCA", "VerifyFull"];

    private static void CheckColumn(string? name, string key, bool required, List<ConfigProblem> p)
    {
        if (string.IsNullOrEmpty(name))
        {
            if (required)
            {
                p.Add(new ConfigProblem(key, "must not be empty"));
            }
            return;
        }
        if (!Identifier().IsMatch(name))
        {
            p.Add(new ConfigProblem(key, $"'{name}' is not a plain column name (letters, digits, _ and $)"));
        }
    }

    private static void CheckTable(string? name, string key, List<ConfigProblem> p)
    {
        if (string.IsNullOrEmpty(name) || !TableName().IsMatch(name))
        {
            p.Add(new ConfigProblem(key, $"'{name}' is not a table name (name or schema.name; letters, digits, _ and $)"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_$]{1,64}$")]
    internal static partial Regex Identifier();

    [GeneratedRegex(@"^[A-Za-z0-9_$]{1,64}(\.[A-Za-z0-9_$]{1,64})?$")]
    private static partial Regex TableName();
}
