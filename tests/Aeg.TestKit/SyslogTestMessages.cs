using System.Text;
using Aeg.Syslog;

namespace Aeg.TestKit;

/// <summary>Plain syslog+CEF byte strings for transport tests (independent of CefWriter).</summary>
internal static class SyslogTestMessages
{
    /// <summary>A mix of short ASCII, non-ASCII and long (4000-byte) messages, each unique.</summary>
    public static List<byte[]> Mixed(int count)
    {
        var messages = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var extension = (i % 4) switch
            {
                0 => $"cs1=plain ascii {i} cn1={i}",
                1 => $"cs1=Größe ändern – naïve café ✓ 日本語 🚀 cn1={i}",
                2 => $"cs1={Filler(4000)} cn1={i}",
                _ => $"cs2=a\\=b c\\\\d \\n escaped newline cn1={i}",
            };
            messages.Add(Message(i, extension));
        }

        return messages;
    }

    /// <summary>One RFC 3164 + CEF message with the given extension.</summary>
    public static byte[] Message(int id, string extension) =>
        Encoding.UTF8.GetBytes($"<134>Nov 22 02:10:37 aeg-host CEF:0|HP|AEG|1.0|1|Annotation Event|3|cn2={id} {extension}");

    /// <summary>A message of exactly <paramref name="length"/> bytes.</summary>
    public static byte[] OfLength(int id, int length)
    {
        var head = Message(id, "cs1=");
        var message = new byte[length];
        head.CopyTo(message, 0);
        message.AsSpan(head.Length).Fill((byte)'x');
        return message;
    }

    /// <summary>Sends one message and flushes it.</summary>
    public static async Task SendAndFlushAsync(ISyslogSender sender, byte[] message)
    {
        await sender.SendAsync(message, CancellationToken.None);
        await sender.FlushAsync(CancellationToken.None);
    }

    /// <summary>Sends probe messages until one fails (a UDP send fails only after the kernel saw ICMP "port unreachable").</summary>
    public static async Task<SyslogSendException> SendUntilFailureAsync(ISyslogSender sender, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var i = 0; DateTime.UtcNow < deadline; i++)
        {
            try
            {
                await SendAndFlushAsync(sender, SyslogTestMessages.Message(1000 + i, "cs1=probe"));
            }
            catch (SyslogSendException e)
            {
                return e;
            }

            await Task.Yield();
        }

        throw new TimeoutException($"sending kept succeeding for {timeout.TotalSeconds} s");
    }

    private static string Filler(int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
            text.Append("0123456789abcdef");
        return text.ToString(0, length);
    }
}
