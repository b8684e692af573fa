// Native AOT probe: the Pipelines.Sockets.Unofficial calls an adoption would make (SocketConnection on an
// accepted and on a connected socket, custom PipeOptions and SocketConnectionOptions, Input and Output),
// run end to end over loopback so a trimmed-away or reflection-only path fails here, not in aeg.
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
#if SOCKET_CONNECTION
using Pipelines.Sockets.Unofficial;
#endif

string[] lines = ["<134>Nov 22 02:10:37 esm01 CEF:0|HP|AEG|1.0|1|first|3|a=1", "<134>Nov 22 02:10:38 esm01 CEF:0|HP|AEG|1.0|1|second|3|b=2"];

using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
listener.Listen(1);
var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
await client.ConnectAsync(listener.LocalEndPoint!);
var server = await listener.AcceptAsync();

#if SOCKET_CONNECTION
var options = new PipeOptions(readerScheduler: PipeScheduler.Inline, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false);
using var sending = SocketConnection.Create(client, options, SocketConnectionOptions.InlineWrites);
using var receiving = SocketConnection.Create(server, options, SocketConnectionOptions.InlineReads);
var output = sending.Output;
var input = receiving.Input;
#else
var output = PipeWriter.Create(new NetworkStream(client, ownsSocket: true));
var input = PipeReader.Create(new NetworkStream(server, ownsSocket: true), new StreamPipeReaderOptions(bufferSize: 64 * 1024));
#endif

foreach (var line in lines)
{
    var bytes = Encoding.UTF8.GetBytes(line + "\n");
    bytes.CopyTo(output.GetSpan(bytes.Length));
    output.Advance(bytes.Length);
}

await output.FlushAsync();
await output.CompleteAsync();

var received = new List<string>();
while (true)
{
    var result = await input.ReadAsync();
    var buffer = result.Buffer;
    while (buffer.PositionOf((byte)'\n') is { } end)
    {
        received.Add(Encoding.UTF8.GetString(buffer.Slice(0, end)));
        buffer = buffer.Slice(buffer.GetPosition(1, end));
    }

    input.AdvanceTo(buffer.Start, buffer.End);
    if (result.IsCompleted)
    {
        break;
    }
}

await input.CompleteAsync();
if (!received.SequenceEqual(lines))
{
    Console.Error.WriteLine($"aot-probe: received {received.Count} lines, expected {lines.Length}: [{string.Join(" | ", received)}]");
    return 1;
}

Console.WriteLine($"aot-probe: {received.Count} lines round-tripped via " +
#if SOCKET_CONNECTION
    "SocketConnection");
#else
    "NetworkStream");
#endif
return 0;
