using System.CommandLine;

namespace Aeg.Cli;

/// <summary>The list of top-level commands; each concern adds its own factory here.</summary>
internal static class AegCommands
{
    public static IEnumerable<Command> All()
    {
        yield return CefCommand.Create();
        yield return RunCommand.Create();
        yield return PollCommand.Create();
        yield return TestConnectionCommand.Create();
        yield return EmitSampleCommand.Create();
        yield return TicketsCommand.Create();
        yield return QuarantineCommand.Create();
        yield return RulesCommand.Create();
        yield return ListenCommand.Create();
        yield return SimulateCommand.Create();
        yield return ConfigCommand.Create();
        yield return ReportCommand.Create();
        yield return EsmCommand.Create();
    }
}
