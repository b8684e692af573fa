namespace Aeg.Simulation;

/// <summary>
/// Analyst comments as they are really typed: CEF's special characters (<c>| = \</c>), line
/// breaks (LF and CRLF), quotes, non-ASCII including 4-byte UTF-8, trailing spaces, and now and
/// then one longer than the 1024-character column, which the writer cuts.
/// </summary>
public static class SimulationComments
{
    /// <summary>Longest comment the annotation table holds (<c>current_comment VARCHAR(1024)</c>).</summary>
    public const int MaxLength = 1024;

    private static readonly string[] Pool =
    [
        @"Checked host | user=root, path C:\Temp\x.exe",
        "Benign: backup job \"nightly\" (see ticket #42)",
        "Ünïcødé résumé ☕ — escalating to tier 2",
        "Line one\nline two = still the same comment",
        "Windows line\r\nbreak from the console",
        @"Re-image requested; a\b=c | d",
        "act=block dst=10.0.0.1 (not CEF, just pasted)",
        "False positive: scanner 10.1.2.3 — whitelisted ✔",
        "日本語のコメント: 調査中",
        "🚨 ransomware note found on FS01 🚨",
        "trailing spaces   ",
        "=starts with equals and ends with backslash\\",
        "pipe||pipe and \\\\server\\share",
        "Waiting for the user's reply…",
        "ok",
    ];

    public static string Pick(Random random)
    {
        // One in 40 is a pasted log excerpt longer than the column.
        if (random.Next(40) == 0)
        {
            return string.Concat(Enumerable.Repeat("pasted log | key=value \\ line\n", 40));
        }
        return Pool[random.Next(Pool.Length)];
    }

    /// <summary>The comment cut to <see cref="MaxLength"/> characters, never inside a surrogate pair.</summary>
    public static string Fit(string comment)
    {
        if (comment.Length <= MaxLength)
        {
            return comment;
        }
        var cut = char.IsHighSurrogate(comment[MaxLength - 1]) ? MaxLength - 1 : MaxLength;
        return comment[..cut];
    }
}
