using System.Text;

namespace Aeg.ListenerCompare;

/// <summary>The benchmark's stream: ~650-byte CEF lines as an ESM forwarder sends them (RFC 3164 header, ArcSight base events).</summary>
internal static class CefLoad
{
    /// <summary>Distinct messages pre-built; the sender repeats them.</summary>
    public const int Distinct = 1024;

    /// <summary>Builds <see cref="Distinct"/> messages of exactly <paramref name="size"/> bytes (without framing).</summary>
    public static byte[][] Messages(int size)
    {
        var messages = new byte[Distinct][];
        for (var i = 0; i < Distinct; i++)
        {
            var line = new StringBuilder()
                .Append("<134>Nov 22 02:10:37 esm01.corp.example CEF:0|ArcSight|ArcSight|7.6.0|rule:").Append(100 + (i % 7))
                .Append("|Suspicious outbound connection|Medium|")
                .Append("eventId=").Append(4_000_000 + i).Append(" type=1 rt=1763777437").Append((i % 1000).ToString("D3"))
                .Append(" src=10.").Append(i % 200).Append('.').Append(i % 250).Append(".7 spt=").Append(40000 + i)
                .Append(" dst=203.0.113.").Append(i % 250).Append(" dpt=443 proto=TCP act=blocked")
                .Append(" duser=alice").Append(i % 50).Append(" suser=svc-backup shost=ws-").Append(i).Append(".corp.example dhost=cdn.example.net")
                .Append(" cs1Label=stage cs1=Queued cs2Label=ruleName cs2=Outbound to rare destination cn1Label=count cn1=").Append(i % 97)
                .Append(" deviceExternalId=esm01 cat=/Attack/Exfiltration requestUrl=https://cdn.example.net/path/").Append(i)
                .Append(" msg=");
            var bytes = Encoding.UTF8.GetBytes(line.ToString());
            if (bytes.Length > size)
            {
                throw new ArgumentException($"message size {size} is below the fixed part ({bytes.Length} bytes)");
            }

            var message = new byte[size];
            bytes.CopyTo(message, 0);
            // The msg value pads to the size: words, so the reader still finds spaces to test for keys.
            for (var p = bytes.Length; p < size; p++)
            {
                message[p] = (p - bytes.Length) % 8 == 7 ? (byte)' ' : (byte)('a' + (p % 26));
            }

            if (message[^1] == (byte)' ')
            {
                message[^1] = (byte)'z';
            }

            messages[i] = message;
        }

        return messages;
    }

    /// <summary>All messages framed one after another: LF, or RFC 6587 octet counting.</summary>
    public static byte[] Framed(byte[][] messages, bool octetCounting)
    {
        var output = new MemoryStream();
        foreach (var m in messages)
        {
            if (octetCounting)
            {
                output.Write(Encoding.ASCII.GetBytes($"{m.Length} "));
            }

            output.Write(m);
            if (!octetCounting)
            {
                output.WriteByte((byte)'\n');
            }
        }

        return output.ToArray();
    }
}
