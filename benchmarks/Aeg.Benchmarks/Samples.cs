using System.Reflection;
using System.Text;

namespace Aeg.Benchmarks;

/// <summary>How long a sample CEF line is.</summary>
public enum LineSize
{
    /// <summary>~200 B, Palo Alto traffic log style.</summary>
    Short,
    /// <summary>~700 B, ArcSight ESM forwarder style with <c>ad.*</c> keys and escapes.</summary>
    Typical,
    /// <summary>~3.7 KB, 100 pairs, Windows security audit event via a SmartConnector.</summary>
    Long,
}

/// <summary>The syslog header in front of a sample line.</summary>
public enum Prefix
{
    None,
    Rfc3164,
    Rfc5424,
}

/// <summary>
/// The sample data of the benchmarks. CEF lines come from <c>benchmarks/samples/*.txt</c> (embedded),
/// the same files <c>benchmarks/nsyslog-compare/bench.js</c> reads, joined to a prefix by one space.
/// </summary>
public static class Samples
{
    public static byte[] Line(LineSize size, Prefix prefix)
    {
        var body = Read(size switch
        {
            LineSize.Short => "short.txt",
            LineSize.Typical => "typical.txt",
            _ => "long.txt",
        });
        var line = prefix switch
        {
            Prefix.Rfc3164 => Read("rfc3164-prefix.txt") + " " + body,
            Prefix.Rfc5424 => Read("rfc5424-prefix.txt") + " " + body,
            _ => body,
        };
        return Encoding.UTF8.GetBytes(line);
    }

    /// <summary>A full <c>audit_trail</c> column (2048 bytes): lines of 8 fields, newest first.</summary>
    public static string AuditTrail { get; } = BuildAuditTrail();

    /// <summary>An analyst comment with the characters CEF must escape and a line break.</summary>
    public const string Comment =
        "Confirmed true positive: host ws-0142 beaconing to 203.0.113.7 every 60 s.\r\n" +
        "Ticket=INC0091234; path C:\\Users\\jdoe\\AppData\\Roaming\\upd.exe; see runbook step 4=isolate.";

    private static string Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("samples/" + name)
            ?? throw new InvalidOperationException($"sample {name} is not embedded");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // One line per file; the file's final newline is not part of it.
        return reader.ReadToEnd().TrimEnd('\r', '\n');
    }

    private static string BuildAuditTrail()
    {
        string[] stages = ["Closed", "Final", "Follow-Up", "re-image", "Initial", "Queued"];
        string[] users = ["jdoe", "asmith", "soc_l2_mkowalski", "admin"];
        var trail = new StringBuilder();
        var time = 1_763_777_647_123L;
        for (var i = 0; ; i++)
        {
            var line = $"1,{time},{users[i % users.Length]},{stages[i % stages.Length]},,,,\n";
            if (trail.Length + line.Length > 2048)
            {
                break;
            }

            trail.Append(line);
            time -= 3_600_000 + (i * 7919);
        }

        return trail.ToString();
    }
}
