using System.Globalization;
using System.Text;

namespace Aeg.Simulation;

/// <summary>
/// Builds <c>audit_trail</c> as ESM writes it: lines of 8 comma-separated fields, newest first
/// (<c>1,&lt;epoch ms&gt;,&lt;user&gt;,&lt;stage&gt;,,,,</c>), at most 2048 bytes; the oldest
/// lines are dropped whole to stay within that.
/// </summary>
public static class AuditTrail
{
    public const int MaxBytes = 2048;

    /// <summary>One line, ending in <paramref name="lineEnd"/> (<c>\n</c> or <c>\r\n</c>).</summary>
    public static string Line(long epochMs, string user, string stage, string lineEnd = "\n") =>
        string.Create(CultureInfo.InvariantCulture, $"1,{epochMs},{user},{stage},,,,{lineEnd}");

    /// <summary>The trail with <paramref name="line"/> added on top, oldest lines dropped to fit.</summary>
    public static string Prepend(string line, string? trail)
    {
        var text = line + (trail ?? "");
        while (Encoding.UTF8.GetByteCount(text) > MaxBytes)
        {
            var lastBreak = text.LastIndexOf('\n', text.Length - 2);
            if (lastBreak < 0)
            {
                return line;
            }
            text = text[..(lastBreak + 1)];
        }
        return text;
    }
}
