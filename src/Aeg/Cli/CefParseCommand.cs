using System.CommandLine;

namespace Aeg.Cli;

/// <summary><c>aeg cef parse [files…]</c>: one JSON object per CEF line, streamed in constant memory.</summary>
internal static class CefParseCommand
{
    /// <summary>Longer lines are reported as <c>LineTooLong</c> instead of being held in memory.</summary>
    public const int DefaultMaxLineBytes = 1024 * 1024;

    private const int OutputBufferBytes = 64 * 1024;

    public static Command Create(CliStreams streams)
    {
        var files = new Argument<string[]>("files")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Description = "Files to read in order; none, or '-', reads standard input.",
        };
        var maxLineBytes = new Option<int>("--max-line-bytes")
        {
            Description = "Lines longer than this many bytes are reported as LineTooLong and skipped.",
            DefaultValueFactory = _ => DefaultMaxLineBytes,
        };
        maxLineBytes.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--max-line-bytes must be at least 1.");
            }
        });

        var command = new Command("parse", "Parse CEF lines (LF or CRLF) and print one JSON object per line; a summary goes to stderr.")
        {
            files,
            maxLineBytes,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var paths = parseResult.GetValue(files) is { Length: > 0 } given ? given : ["-"];
            var error = parseResult.InvocationConfiguration.Error;
            return Task.FromResult(Run(paths, parseResult.GetValue(maxLineBytes), streams, error, cancellationToken));
        });
        return command;
    }

    private static int Run(string[] paths, int maxLineBytes, CliStreams streams, TextWriter error, CancellationToken cancellationToken)
    {
        // Refuse before printing anything, so a typo does not leave half a result behind.
        foreach (var path in paths)
        {
            if (path != "-" && !File.Exists(path))
            {
                error.WriteLine($"aeg cef parse: no such file: {path}");
                return 2;
            }
        }

        var counts = new LineCounts();
        try
        {
            using var output = new BufferedStream(streams.OpenOutput(), OutputBufferBytes);
            using var formatter = new CefJsonFormatter();
            foreach (var path in paths)
            {
                using var input = path == "-" ? streams.OpenInput() : OpenFile(path);
                ParseStream(input, maxLineBytes, formatter, output, counts, cancellationToken);
            }

            output.Flush();
            return 0;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("aeg cef parse: cancelled");
            return 130;
        }
        catch (IOException ex)
        {
            // File and pipe errors name a path at most; nothing secret reaches them.
            error.WriteLine($"aeg cef parse: {ex.Message}");
            return 1;
        }
        finally
        {
            error.WriteLine($"lines={counts.Lines} parsed={counts.Parsed} rejected={counts.Rejected}");
        }
    }

    private static FileStream OpenFile(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite,
            // The line reader reads in large blocks already; a second buffer would only copy.
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });

    private static void ParseStream(Stream input, int maxLineBytes, CefJsonFormatter formatter, Stream output,
        LineCounts counts, CancellationToken cancellationToken)
    {
        // Flushing before each (possibly blocking) read costs one write per input block and lets
        // `tail -f log | aeg cef parse` show each line as soon as it has arrived.
        var lines = new BoundedLineReader(input, maxLineBytes, beforeRead: output.Flush);
        LineStatus status;
        while ((status = lines.ReadLine(out var line)) != LineStatus.End)
        {
            counts.Lines++;
            if (status == LineStatus.TooLong)
            {
                formatter.FormatTooLong(maxLineBytes);
                counts.Rejected++;
            }
            else if (formatter.Format(line))
            {
                counts.Parsed++;
            }
            else
            {
                counts.Rejected++;
            }

            output.Write(formatter.Json);
            output.WriteByte((byte)'\n');
            if ((counts.Lines & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    private sealed class LineCounts
    {
        public long Lines;
        public long Parsed;
        public long Rejected;
    }
}
