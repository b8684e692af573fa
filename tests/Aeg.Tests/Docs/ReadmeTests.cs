
namespace Aeg.Tests.Docs;

/// <summary>The README stays a page a newcomer reads: short, with the two commands and the way into docs/.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void The_readme_has_at_most_200_lines_and_points_to_the_architecture_commands_and_configuration()
    {
        var lines = File.ReadAllLines(TestServices.RepoFile("README.md"));
        Assert.True(lines.Length <= 200, $"README.md has {lines.Length} lines; details belong in docs/");
        var text = string.Join('\n', lines);
        Assert.Contains("./aeg.sh demo", text);
        Assert.Contains("./aeg.sh test", text);
        Assert.Contains("(docs/architecture.md)", text);
        Assert.Contains("(docs/commands.md)", text);
        Assert.Contains("(docs/configuration.md)", text);
    }
}
