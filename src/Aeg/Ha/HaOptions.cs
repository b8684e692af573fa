using Aeg.Configuration;

namespace Aeg.Ha;

/// <summary>
/// Active/standby polling (<c>ha:</c> in aeg.yaml): instances share one ESM database, a MySQL
/// <c>GET_LOCK</c> lease picks the one that polls, and the cursor lives in a table of Aeg's own database.
/// </summary>
public sealed class HaOptions
{
    /// <summary>Off: one instance polls with the cursor in <c>state.directory</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>Aeg's own database on the ESM database server (never the ESM schema: Aeg only reads there).</summary>
    public string Database { get; set; } = "aeg";

    /// <summary>Name of the server-wide lock and of the state row; instances that share it form one group.</summary>
    public string LockName { get; set; } = "aeg-annotation-poller";

    /// <summary>Longest time before a standby takes over from an active instance that stopped answering.</summary>
    public TimeSpan Takeover { get; set; } = TimeSpan.FromSeconds(15);

    internal static readonly TimeSpan MinTakeover = TimeSpan.FromSeconds(3);
    internal static readonly TimeSpan MaxTakeover = TimeSpan.FromHours(1);

    /// <summary>How often the active instance proves it is alive: a third of <see cref="Takeover"/>.</summary>
    public TimeSpan HeartbeatInterval => Takeover / 3;

    /// <summary>Every problem of this section, keys prefixed with <paramref name="keyPrefix"/>.</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix, DatabaseOptions esm)
    {
        if (Database is null || !SqlNames.Identifier().IsMatch(Database))
        {
            yield return new ConfigProblem(keyPrefix + ".database", $"'{Database}' is not a plain database name (letters, digits, _ and $)");
        }
        else if (Enabled && Database.Equals(esm.Database, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ConfigProblem(keyPrefix + ".database",
                $"must not be the ESM database '{esm.Database}': Aeg only reads there; give it a small database of its own (docs/scaling.md)");
        }
        if (string.IsNullOrWhiteSpace(LockName) || LockName.Length > 64 || LockName.Any(char.IsControl))
        {
            yield return new ConfigProblem(keyPrefix + ".lockName", "must be 1–64 printable characters (the MySQL limit for lock names)");
        }
        if (Takeover < MinTakeover || Takeover > MaxTakeover)
        {
            yield return new ConfigProblem(keyPrefix + ".takeover", "must be 3s–1h");
        }
        else if (Takeover.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return new ConfigProblem(keyPrefix + ".takeover", "must be whole seconds (it becomes the lease connection's wait_timeout)");
        }
    }
}
