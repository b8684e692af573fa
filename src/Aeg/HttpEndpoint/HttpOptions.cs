using System.Net;
using Aeg.Configuration;
using YamlDotNet.Serialization;

namespace Aeg.HttpEndpoint;

/// <summary>The <c>http:</c> section: where <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> are served (docs/http.md).</summary>
public sealed class HttpOptions
{
    /// <summary>The default port: the one OpenTelemetry's Prometheus exporter uses, so scrape configs often expect it.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Serve the endpoint from <c>aeg run</c> and <c>aeg listen</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>IP address to bind; loopback unless set explicitly (e.g. <c>0.0.0.0</c> for a remote Prometheus).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (tests).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Name of the environment variable holding the bearer token every request must carry.</summary>
    public string? TokenEnv { get; set; }

    /// <summary>Path of a file whose first line is the bearer token.</summary>
    public string? TokenFile { get; set; }

    /// <summary>The parsed <see cref="Address"/>; valid after <see cref="Validate"/> found no problem.</summary>
    [YamlIgnore]
    public IPAddress BindAddress => IPAddress.Parse(Address);

    /// <summary>True when a token is configured (then every request needs <c>Authorization: Bearer …</c>).</summary>
    [YamlIgnore]
    public bool RequiresToken => Token("http").IsSet;

    /// <summary>Where the bearer token comes from, keys under <paramref name="keyPrefix"/>.</summary>
    public SecretSource Token(string keyPrefix) => new(TokenEnv, TokenFile, $"{keyPrefix}.tokenEnv", $"{keyPrefix}.tokenFile");

    public void ResolvePaths(string baseDir)
    {
        if (TokenFile is { Length: > 0 } file)
        {
            TokenFile = Path.GetFullPath(file, baseDir);
        }
    }

    /// <summary>Every problem with these options, keys prefixed with <paramref name="keyPrefix"/> (e.g. <c>http</c>).</summary>
    public IEnumerable<ConfigProblem> Validate(string keyPrefix)
    {
        if (!IPAddress.TryParse(Address, out _))
        {
            yield return new ConfigProblem($"{keyPrefix}.address", $"'{Address}' is not an IP address (e.g. 127.0.0.1, ::1 or 0.0.0.0)");
        }
        if (Port is < 0 or > 65535)
        {
            yield return new ConfigProblem($"{keyPrefix}.port", "must be 0–65535");
        }
        if (Token(keyPrefix).NotBoth() is { } both)
        {
            yield return both;
        }
    }
}
