using System.Text;
using System.Text.Json;
using Aeg.Cef;

namespace Aeg.Cef.Tests;

/// <summary>Runs the tricky real-world lines in Vectors/reader-vectors.json through CefReader.</summary>
public sealed class ReaderVectorTests
{
    public static TheoryData<string> VectorNames()
    {
        var data = new TheoryData<string>();
        foreach (var vector in ReaderVector.LoadAll())
        {
            data.Add(vector.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Vector_parses_as_expected(string name)
    {
        var vector = ReaderVector.LoadAll().Single(v => v.Name == name);
        var parsed = ParsedMessage.Parse(vector.InputBytes);

        if (vector.Error is { } error)
        {
            Assert.Equal(error, parsed.Error.ToString());
            Assert.Equal(vector.Position, parsed.ErrorPosition);
            if (vector.Header is { } partialHeader)
            {
                Assert.Equal(partialHeader, parsed.Header);
            }

            return;
        }

        Assert.Equal(CefError.None, parsed.Error);
        Assert.Equal(vector.Version, parsed.Version);
        Assert.Equal(vector.Header, parsed.Header);
        Assert.Equal(vector.Extensions, parsed.Extensions);
        if (vector.Syslog is { } syslog)
        {
            Assert.Equal(syslog.Format, parsed.SyslogFormat.ToString());
            Assert.Equal(syslog.Pri, parsed.SyslogPriority);
            Assert.Equal(syslog.Timestamp, parsed.SyslogTimestamp);
            Assert.Equal(syslog.Host, parsed.SyslogHost);
        }
        else
        {
            Assert.Equal(SyslogFormat.None, parsed.SyslogFormat);
            Assert.Equal(-1, parsed.SyslogPriority);
        }
    }

    [Fact]
    public void Vector_file_covers_every_error_code()
    {
        var covered = ReaderVector.LoadAll().Where(v => v.Error is not null).Select(v => v.Error).ToHashSet();
        var all = Enum.GetNames<CefError>().Where(n => n != nameof(CefError.None));
        Assert.Empty(all.Except(covered!));
    }
}

internal sealed record ReaderVector(
    string Name,
    string Input,
    ReaderVector.SyslogPart? Syslog,
    int Version,
    string[]? Header,
    string[][] Extensions,
    string? Error,
    int Position,
    string? InputBase64 = null)
{
    /// <summary>The line: <c>inputBase64</c> when set (bytes JSON text cannot carry, such as invalid UTF-8), else <c>input</c> as UTF-8.</summary>
    public byte[] InputBytes => InputBase64 is { } base64 ? Convert.FromBase64String(base64) : Encoding.UTF8.GetBytes(Input);

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };
    private static ReaderVector[]? _all;

    internal sealed record SyslogPart(string Format, int Pri, string Timestamp, string Host);

    public static ReaderVector[] LoadAll()
        => _all ??= JsonSerializer.Deserialize<ReaderVector[]>(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "reader-vectors.json")), Options)!
            .Select(v => v with { Extensions = v.Extensions ?? [] }).ToArray();
}
