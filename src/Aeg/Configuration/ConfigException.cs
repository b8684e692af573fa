namespace Aeg.Configuration;

/// <summary>A configuration file is invalid; the message names the file, the key and the reason.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string file, IReadOnlyList<ConfigProblem> problems)
        : base(string.Join(Environment.NewLine, problems.Select(p => $"{file}: {p.Key}: {p.Reason}")))
    {
        File = file;
        Problems = problems;
    }

    public ConfigException(string file, string key, string reason) : this(file, [new ConfigProblem(key, reason)])
    {
    }

    public string File { get; }
    public IReadOnlyList<ConfigProblem> Problems { get; }
}

/// <summary>One invalid key and why.</summary>
public sealed record ConfigProblem(string Key, string Reason);
