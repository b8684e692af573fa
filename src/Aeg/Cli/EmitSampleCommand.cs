using System.CommandLine;
using System.Text;
using Aeg.Annotations;

namespace Aeg.Cli;

/// <summary><c>aeg emit-sample</c>: sends one sample Annotation Event to check the SmartConnector and ESM rules.</summary>
internal static class EmitSampleCommand
{
    public static Command Create()
    {
        var config = AnnotationCommandOptions.Config();
        var debug = AnnotationCommandOptions.Debug();
        var command = new Command("emit-sample", "Send one sample Annotation Event to the configured syslog destination.") { config, debug };
        command.SetAction((parse, cancellationToken) => AnnotationCommandOptions.WithHost(parse, config, debug, async host =>
        {
            var message = host.CreateMapper().Map(SampleRow(DateTimeOffset.UtcNow));
            await using var sender = host.CreateSender();
            await sender.SendAsync(message, cancellationToken);
            await sender.FlushAsync(cancellationToken);
            Console.Out.WriteLine(Encoding.UTF8.GetString(message.Span));
            host.Log.Information("Sent one sample Annotation Event to {Destination}", sender.Destination);
            return AnnotationCommandOptions.ExitOk;
        }));
        return command;
    }

    /// <summary>A recognisable row: event id 0, stage Queued, comment saying it is a sample.</summary>
    internal static AnnotationRow SampleRow(DateTimeOffset now)
    {
        var ms = now.ToUnixTimeMilliseconds();
        return new AnnotationRow
        {
            EventId = 0,
            Version = 1,
            ModificationTimeMs = ms,
            ModifiedBy = "aeg",
            StageName = "Queued",
            StageUri = "/All Stages/Queued",
            StageUser = "aeg",
            StageUpdateTimeMs = ms,
            CurrentComment = "Aeg sample Annotation Event (aeg emit-sample)",
            AuditTrail = $"1,{ms},aeg,Queued,,,,\n",
            Flags = 1,
            EndTimeMs = ms,
            ManagerReceiptTimeMs = ms,
        };
    }
}
