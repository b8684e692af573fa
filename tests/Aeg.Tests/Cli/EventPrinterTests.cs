using System.Text;
using System.Text.Json;
using Aeg.Cli;
using Aeg.Listener;

namespace Aeg.Tests.Cli;

public sealed class EventPrinterTests
{
    private sealed class Recorder : ICefMessageHandler
    {
        public List<string> Frames { get; } = [];
        public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => Frames.Add(Encoding.UTF8.GetString(frame));
    }

    [Fact]
    public void Prints_each_event_as_json_with_its_sender_and_passes_it_on()
    {
        var inner = new Recorder();
        var output = new MemoryStream();
        using var printer = new EventPrinter(inner, output);
        var sender = new SenderCounters("192.0.2.7");

        printer.Handle("<134>Nov 22 02:10:37 esm CEF:0|HP|AEG|1.0|annotation|Annotation Event|5|cs3=Follow-Up cs3Label=stage cs2=a \\= b"u8, sender);
        printer.Handle("not cef"u8, sender);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using (var first = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal("192.0.2.7", first.RootElement.GetProperty("sender").GetString());
            Assert.Equal("Annotation Event", first.RootElement.GetProperty("name").GetString());
            Assert.Equal("esm", first.RootElement.GetProperty("syslog").GetProperty("host").GetString());
            Assert.Equal("a = b", first.RootElement.GetProperty("extensions").GetProperty("cs2").GetString());
        }

        using (var second = JsonDocument.Parse(lines[1]))
        {
            Assert.Equal("NoCefMarker", second.RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(2, printer.Printed);
        Assert.Equal(2, inner.Frames.Count);
        Assert.Equal("not cef", inner.Frames[1]);
    }
}
