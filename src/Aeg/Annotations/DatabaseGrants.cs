using System.Text;
using System.Text.RegularExpressions;
using Aeg.Configuration;

namespace Aeg.Annotations;

/// <summary>A grant that lets the account change the ESM database: which privileges, on what, from which line.</summary>
public sealed record WriteGrant(IReadOnlyList<string> Privileges, string On, string Grant);

/// <summary>
/// Reads the lines of <c>SHOW GRANTS</c> and finds the privileges that let the account change the
/// ESM database, which Aeg only reads (least privilege: it needs SELECT and nothing else there).
/// </summary>
public static partial class DatabaseGrants
{
    /// <summary>Privileges that change data or schema; any of them on an ESM schema earns a warning.</summary>
    public static readonly IReadOnlySet<string> WritePrivileges = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ALL", "ALL PRIVILEGES", "INSERT", "UPDATE", "DELETE", "DELETE HISTORY", "DROP", "ALTER", "CREATE", "INDEX", "TRIGGER",
    };

    /// <summary>The schemas Aeg reads: <c>database.database</c> plus any schema named in a table setting.</summary>
    public static IReadOnlySet<string> EsmSchemas(DatabaseOptions database, SourceOptions source)
    {
        var schemas = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { database.Database };
        foreach (var table in new[] { source.Table, source.StageLookup?.Table, source.UserLookup?.Table })
        {
            if (table?.IndexOf('.') is > 0 and var dot)
            {
                schemas.Add(table[..dot]);
            }
        }
        return schemas;
    }

    /// <summary>Every grant line that gives a write privilege on one of <paramref name="esmSchemas"/> (or on everything).</summary>
    public static List<WriteGrant> WritesTo(IEnumerable<string> grantLines, IReadOnlySet<string> esmSchemas)
    {
        var found = new List<WriteGrant>();
        foreach (var line in grantLines)
        {
            var m = GrantLine().Match(line);
            if (!m.Success)
            {
                continue; // a role grant ("GRANT r TO u"), PROXY, or something newer: no table privileges
            }
            var writes = SplitPrivileges(m.Groups["privs"].Value).Where(WritePrivileges.Contains).ToList();
            if (writes.Count == 0 || m.Groups["kind"].Success)
            {
                continue; // routines (EXECUTE ON PROCEDURE …) cannot carry these privileges
            }
            var on = m.Groups["obj"].Value;
            var (schema, _) = SplitObject(on);
            if (schema is null || esmSchemas.Any(s => SchemaMatches(schema, s, isDatabaseLevel: on.EndsWith(".*", StringComparison.Ordinal))))
            {
                found.Add(new WriteGrant(writes, on, line));
            }
        }
        return found;
    }

    // "SELECT (a, b), UPDATE (c), INSERT" → SELECT, UPDATE, INSERT
    private static IEnumerable<string> SplitPrivileges(string text)
    {
        var depth = 0;
        var current = new StringBuilder();
        foreach (var ch in text + ",")
        {
            switch (ch)
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    var p = current.ToString().Trim();
                    if (p.Length > 0)
                    {
                        yield return p;
                    }
                    current.Clear();
                    break;
                default:
                    if (depth == 0)
                    {
                        current.Append(ch);
                    }
                    break;
            }
        }
    }

    // "*.*" → (null, null): everything; "`db`.*" → (db, null); "`db`.`t`" → (db, t).
    private static (string? Schema, string? Table) SplitObject(string on)
    {
        if (on == "*.*")
        {
            return (null, null);
        }
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < on.Length; i++)
        {
            var ch = on[i];
            if (ch == '`')
            {
                if (quoted && i + 1 < on.Length && on[i + 1] == '`')
                {
                    current.Append('`');
                    i++;
                }
                else
                {
                    quoted = !quoted;
                }
            }
            else if (ch == '.' && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }
        parts.Add(current.ToString());
        return parts.Count == 2 ? (parts[0], parts[1] == "*" ? null : parts[1]) : (parts[0], null);
    }

    // A database-level grant's name is a LIKE pattern (% and _ wildcards, \ escapes); a table-level one is literal.
    private static bool SchemaMatches(string granted, string schema, bool isDatabaseLevel)
    {
        if (!isDatabaseLevel)
        {
            return granted.Equals(schema, StringComparison.OrdinalIgnoreCase);
        }
        var pattern = new StringBuilder("^");
        for (var i = 0; i < granted.Length; i++)
        {
            var ch = granted[i];
            if (ch == '\\' && i + 1 < granted.Length)
            {
                pattern.Append(Regex.Escape(granted[++i].ToString()));
            }
            else
            {
                pattern.Append(ch switch { '%' => ".*", '_' => ".", _ => Regex.Escape(ch.ToString()) });
            }
        }
        return Regex.IsMatch(schema, pattern.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    [GeneratedRegex(@"^GRANT\s+(?<privs>.+?)\s+ON\s+(?<kind>(?:FUNCTION|PROCEDURE|PACKAGE(?:\s+BODY)?)\s+)?(?<obj>(?:`(?:[^`]|``)*`|\*|[^\s.`]+)(?:\.(?:`(?:[^`]|``)*`|\*|[^\s.`]+))?)\s+TO\s",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GrantLine();
}
