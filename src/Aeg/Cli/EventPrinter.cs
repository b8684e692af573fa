using Aeg.Listener;

namespace Aeg.Cli;

/// <summary>
/// Debug aid for <c>--print-events</c>: writes every received frame to an output as one JSON
/// line (the shape of <c>aeg cef parse</c>, plus the sender) and passes it on unchanged.
/// </summary>
/// <remarks>
/// Off the hot path by choice: it is only wired in when asked for, and it serialises frames
/// from all connections through one lock so lines never interleave.
/// </remarks>
public sealed class EventPrinter(ICefMessageHandler inner, Stream output) : ICefMessageHandler, IDisposable
{
    private static readonly byte[] SenderPrefix = "{\"sender\":\""u8.ToArray();
    private readonly CefJsonFormatter _formatter = new();
    private readonly Lock _lock = new();
    private long _printed;

    /// <summary>How many events were printed.</summary>
    public long Printed => Interlocked.Read(ref _printed);

    public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender)
    {
        lock (_lock)
        {
            _formatter.Format(frame);
            var json = _formatter.Json;
            // Prepend the sender address: {"sender":"10.0.0.1","syslog":...}
            output.Write(SenderPrefix);
            output.Write(System.Text.Encoding.UTF8.GetBytes(sender.Address));
            output.Write("\","u8);
            output.Write(json[1..]);
            output.Write("\n"u8);
            output.Flush();
            _printed++;
        }

        inner.Handle(frame, sender);
    }

    public void Dispose() => _formatter.Dispose();
}
