using System.Text;
using System.Text.RegularExpressions;

namespace Aeg.Esm;

/// <summary>One HTTP answer of the Service Layer, read whole, with what ESM's error pages say.</summary>
internal sealed partial record EsmAnswer(int Status, string Reason, byte[] Body, TimeSpan? RetryAfter, int Attempts)
{
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>The Java exception ESM's Tomcat error page names (<c>com.arcsight….InvalidResourceIDException</c>), if any.</summary>
    public string? JavaException => Ok || Body.Length == 0 ? null
        : JavaExceptionName().Match(Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 64 * 1024))) is { Success: true } m ? m.Value : null;

    /// <summary>ESM's page for an id it does not know.</summary>
    public bool NamesUnknownId => JavaException is { } e && (e.EndsWith("NotFoundException", StringComparison.Ordinal) || e.EndsWith("InvalidResourceIDException", StringComparison.Ordinal));

    /// <summary>ESM's page for a request it refuses as such (a column the active list lacks, a bad argument): the same call fails again.</summary>
    public bool NamesRefusedRequest => JavaException is { } e && (e.EndsWith("ValidationException", StringComparison.Ordinal)
        || e.EndsWith("IllegalArgumentException", StringComparison.Ordinal));

    /// <summary>ESM's page for a refused login or token.</summary>
    public bool NamesLoginProblem => JavaException is { } e && (e.Contains("Login", StringComparison.Ordinal) || e.Contains("Authentication", StringComparison.Ordinal)
        || e.Contains("Authorization", StringComparison.Ordinal) || e.Contains("Token", StringComparison.Ordinal));

    [GeneratedRegex(@"\b(?:[a-z][a-z0-9_]*\.)+[A-Z][A-Za-z0-9_]*(?:Exception|Error)\b")]
    private static partial Regex JavaExceptionName();
}
