using System.Text.RegularExpressions;

namespace Aeg.Configuration;

/// <summary>Checks that configured table and column names are plain identifiers, since they are spliced into SQL.</summary>
internal static partial class SqlNames
{
    public static void CheckColumn(string? name, string key, bool required, List<ConfigProblem> problems)
    {
        if (string.IsNullOrEmpty(name))
        {
            if (required)
            {
                problems.Add(new ConfigProblem(key, "must not be empty"));
            }
            return;
        }
        if (!Identifier().IsMatch(name))
        {
            problems.Add(new ConfigProblem(key, $"'{name}' is not a plain column name (letters, digits, _ and $)"));
        }
    }

    public static void CheckTable(string? name, string key, List<ConfigProblem> problems)
    {
        if (string.IsNullOrEmpty(name) || !TableName().IsMatch(name))
        {
            problems.Add(new ConfigProblem(key, $"'{name}' is not a table name (name or schema.name; letters, digits, _ and $)"));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_$]{1,64}$")]
    public static partial Regex Identifier();

    [GeneratedRegex(@"^[A-Za-z0-9_$]{1,64}(\.[A-Za-z0-9_$]{1,64})?$")]
    private static partial Regex TableName();
}
