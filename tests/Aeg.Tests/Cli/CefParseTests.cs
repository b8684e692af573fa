using System.CommandLine;
using System.Text;
using System.Text.Json;
using Aeg.Cef;
using Aeg.Cli;

namespace Aeg.Tests.Cli;

/// <summary><c>aeg cef parse</c> run in-process through the real command-line parser.</summary>
public class CefParseTests
{
    private const string Rfc3164Line =
        @"<134>Nov 22 02:14:07 fw01.corp.example.com CEF:0|Palo\|Alto|PAN-OS|10.2|end|TRAFFIC|3|src=10.1.2.3 msg=a\=b\nnext line\\ end act=allow";

    private const string Rfc5424Line =
        "<13>1 2026-11-22T02:14:07.123Z esm01.corp.example.com CEF - - - CEF:0|ArcSight|ArcSight|7.6|rule:1|Brute Force|High|ad.field[0]=x cs1=/All Rules/SOC";

    private const string PlainLine = "CEF:0|Vendor|Product|1.0|100|Header only|Low|";

    [Fact]
    public async Task WritesOneJsonObjectPerLineForLfAndCrlf()
    {
        var run = await RunAsync(Rfc3164Line + "\r\n" + Rfc5424Line + "\n" + PlainLine + "\r\n");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.Objects.Count);

        var bsd = run.Objects[0];
        var syslog = bsd.GetProperty("syslog");
        Assert.Equal(134, syslog.GetProperty("pri").GetInt32());
        Assert.Equal("Nov 22 02:14:07", syslog.GetProperty("timestamp").GetString());
        Assert.Equal("fw01.corp.example.com", syslog.GetProperty("host").GetString());
        Assert.Equal(0, bsd.GetProperty("version").GetInt32());
        Assert.Equal("Palo|Alto", bsd.GetProperty("deviceVendor").GetString());
        Assert.Equal("PAN-OS", bsd.GetProperty("deviceProduct").GetString());
        Assert.Equal("10.2", bsd.GetProperty("deviceVersion").GetString());
        Assert.Equal("end", bsd.GetProperty("deviceEventClassId").GetString());
        Assert.Equal("TRAFFIC", bsd.GetProperty("name").GetString());
        Assert.Equal("3", bsd.GetProperty("severity").GetString());
        Assert.Equal(
            [("src", "10.1.2.3"), ("msg", "a=b\nnext line\\ end"), ("act", "allow")],
            Extensions(bsd));

        var ietf = run.Objects[1];
        Assert.Equal(13, ietf.GetProperty("syslog").GetProperty("pri").GetInt32());
        Assert.Equal("2026-11-22T02:14:07.123Z", ietf.GetProperty("syslog").GetProperty("timestamp").GetString());
        Assert.Equal("esm01.corp.example.com", ietf.GetProperty("syslog").GetProperty("host").GetString());
        Assert.Equal("High", ietf.GetProperty("severity").GetString());
        Assert.Equal([("ad.field[0]", "x"), ("cs1", "/All Rules/SOC")], Extensions(ietf));

        var plain = run.Objects[2];
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("syslog").ValueKind);
        Assert.Equal("Header only", plain.GetProperty("name").GetString());
        Assert.Empty(Extensions(plain));

        Assert.Equal("lines=3 parsed=3 rejected=0", run.Summary);
    }

    [Fact]
    public async Task RejectedLinesBecomeErrorObjectsAndTheRestStillParses()
    {
        string[] lines = ["hello world", "", "CEF:0|only|three", PlainLine, "CEF:0|a|b|c|d|e|5|=novalue"];

        var run = await RunAsync(string.Join("\n", lines));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(5, run.Objects.Count);
        AssertError(run.Objects[0], lines[0], "NoCefMarker");
        AssertError(run.Objects[1], lines[1], "Empty");
        AssertError(run.Objects[2], lines[2], "TruncatedHeader");
        Assert.Equal("Header only", run.Objects[3].GetProperty("name").GetString());
        AssertError(run.Objects[4], lines[4], "ExtensionWithoutKey");
        Assert.Equal("lines=5 parsed=1 rejected=4", run.Summary);
    }

    [Fact]
    public async Task ALineOverTheLimitIsReportedAndSkipped()
    {
        var longLine = "CEF:0|a|b|c|d|e|5|msg=" + new string('x', 200);

        var run = await RunAsync(PlainLine + "\n" + longLine + "\r\n" + PlainLine + "\n", "--max-line-bytes", "100");

        Assert.Equal(3, run.Objects.Count);
        Assert.Equal("LineTooLong", run.Objects[1].GetProperty("error").GetString());
        Assert.Equal(100, run.Objects[1].GetProperty("position").GetInt32());
        Assert.Equal("Header only", run.Objects[2].GetProperty("name").GetString());
        Assert.Equal("lines=3 parsed=2 rejected=1", run.Summary);
    }

    [Fact]
    public async Task DuplicateKeysAreAllKeptInWireOrder()
    {
        var run = await RunAsync("CEF:0|a|b|c|d|e|5|act=first src=1 act=second");

        Assert.Equal([("act", "first"), ("src", "1"), ("act", "second")], Extensions(run.Objects[0]));
    }

    [Fact]
    public async Task InvalidUtf8BecomesTheReplacementCharacter()
    {
        byte[] line = [.. "CEF:0|Vend"u8, 0xC3, .. "|b|c|d|e|5|user=a"u8, 0xFF, 0xFE, .. "b k=\u00fc"u8];

        var run = await RunAsync(line);

        Assert.Equal("Vend\uFFFD", run.Objects[0].GetProperty("deviceVendor").GetString());
        Assert.Equal([("user", "a\uFFFD\uFFFDb"), ("k", "\u00fc")], Extensions(run.Objects[0]));
    }

    [Fact]
    public async Task TheOutputHasNoUnicodeEscapesOnlyUtf8()
    {
        // Ill-formed bytes, a cut-off sequence at the end, and characters System.Text.Json escapes
        // even when relaxed (emoji, no-break space, U+2028, BOM) all come out as UTF-8; the quote,
        // the backslash and control characters keep the escapes JSON requires.
        byte[] line = [.. "<13>Nov 22 02:14:07 h\u00f6st CEF:0|a|b|c|d|e|5|msg=x"u8, 0xFF, .. " \U0001F600 \u00a0\u2028\ufeff \" \\\\ \t\u0001 k=end"u8, 0xE2, 0x82];

        var run = await RunAsync(line);

        var json = Encoding.UTF8.GetString(run.Stdout).TrimEnd('\n');
        Assert.Equal(
            "{\"syslog\":{\"pri\":13,\"timestamp\":\"Nov 22 02:14:07\",\"host\":\"h\u00f6st\"},\"version\":0,\"deviceVendor\":\"a\",\"deviceProduct\":\"b\"," +
            "\"deviceVersion\":\"c\",\"deviceEventClassId\":\"d\",\"name\":\"e\",\"severity\":\"5\"," +
            "\"extensions\":{\"msg\":\"x\uFFFD \U0001F600 \u00a0\u2028\ufeff \\\" \\\\ \\t\\u0001\",\"k\":\"end\uFFFD\"}}",
            json);
        Assert.Equal([("msg", "x\uFFFD \U0001F600 \u00a0\u2028\ufeff \" \\ \t\u0001"), ("k", "end\uFFFD")], Extensions(run.Objects[0]));
    }

    [Fact]
    public async Task ReadsFilesInOrderAndDashMeansStandardInput()
    {
        using var dir = new TempDirectory();
        var first = dir.Write("first.cef", "CEF:0|a|b|c|1|first|5|n=1\nCEF:0|a|b|c|2|first|5|n=2");
        var second = dir.Write("second.cef", "CEF:0|a|b|c|4|second|5|n=4\r\n");

        var run = await RunAsync("CEF:0|a|b|c|3|stdin|5|n=3\n", first, "-", second);

        Assert.Equal(["1", "2", "3", "4"], run.Objects.Select(o => o.GetProperty("deviceEventClassId").GetString()));
        Assert.Equal("lines=4 parsed=4 rejected=0", run.Summary);
    }

    [Fact]
    public async Task AMissingFileFailsBeforeAnyOutput()
    {
        using var dir = new TempDirectory();
        var present = dir.Write("present.cef", PlainLine);
        var missing = Path.Combine(dir.Path, "missing.cef");

        var run = await RunAsync("", present, missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Objects);
        Assert.Contains($"no such file: {missing}", run.Error);
    }

    private static void AssertError(JsonElement json, string line, string expectedCode)
    {
        // The position must be the reader's, passed through unchanged.
        var reader = new CefReader(Encoding.UTF8.GetBytes(line));
        if (reader.IsValid)
        {
            while (reader.ReadNextExtension())
            {
            }
        }

        Assert.Equal(expectedCode, reader.Error.ToString());
        Assert.Equal(expectedCode, json.GetProperty("error").GetString());
        Assert.Equal(reader.ErrorPosition, json.GetProperty("position").GetInt32());
        Assert.Equal(2, json.EnumerateObject().Count());
    }

    internal static List<(string Key, string Value)> Extensions(JsonElement json) =>
        json.GetProperty("extensions").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).ToList();

    private static Task<CliRun> RunAsync(string stdin, params string[] args) => RunAsync(Encoding.UTF8.GetBytes(stdin), args);

    private static async Task<CliRun> RunAsync(byte[] stdin, params string[] args)
    {
        var stdout = new MemoryStream();
        var stderr = new StringWriter();
        var root = new RootCommand { CefCommand.Create(new CliStreams(() => new MemoryStream(stdin), () => stdout)) };

        var exitCode = await root.Parse(["cef", "parse", .. args]).InvokeAsync(new InvocationConfiguration { Error = stderr });

        return new CliRun(exitCode, stdout.ToArray(), stderr.ToString());
    }

    private sealed record CliRun(int ExitCode, byte[] Stdout, string Error)
    {
        public List<JsonElement> Objects => Encoding.UTF8.GetString(Stdout)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToList();

        public string Summary => Error.TrimEnd('\n').Split('\n')[^1];
    }

    internal sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("aeg-cef-parse-").FullName;

        public string Write(string name, string content)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, content);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
