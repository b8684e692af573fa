namespace Aeg.Tests.Architecture;

/// <summary>
/// The layering of docs/architecture.md: feature folders never depend on each other in a cycle,
/// nor on the commands or the composition root.
/// </summary>
public sealed class NamespaceCycleTests
{
    private static readonly Dictionary<string, SortedSet<string>> Src = NamespaceGraph.FromDirectory(TestServices.RepoFile("src"));

    [Fact]
    public void No_namespace_in_src_reaches_itself_through_others()
    {
        // The scan must see what is there, or an empty graph would pass.
        Assert.Contains("Aeg.Daemon", Src["Aeg.Cli"]);
        Assert.Contains("Aeg.Cef", Src["Aeg.Listener"]);

        var cycles = NamespaceGraph.Cycles(Src);

        Assert.True(cycles.Count == 0, "namespaces that import each other in a cycle:\n" + string.Join("\n", cycles.Select(c =>
            string.Join(", ", c) + "\n  " + string.Join("\n  ", c.SelectMany(from => Src[from].Where(c.Contains).Select(to => $"{from} -> {to}"))))));
    }

    [Fact]
    public void Only_the_commands_use_the_composition_root_and_nothing_uses_the_commands()
    {
        var users = Src.Where(kv => kv.Value.Contains("Aeg.Cli")).Select(kv => kv.Key).ToList();
        Assert.True(users.Count == 0, "Aeg.Cli is used by " + string.Join(", ", users));
        var daemonUsers = Src.Where(kv => kv.Value.Contains("Aeg.Daemon")).Select(kv => kv.Key).Order().ToList();
        Assert.Equal(["Aeg.Cli"], daemonUsers);
    }

    [Theory]
    [InlineData("Aeg.Cef")]
    [InlineData("Aeg.Configuration")]
    public void The_shared_base_depends_on_no_other_part_of_Aeg(string ns)
    {
        Assert.Empty(Src[ns]);
    }

    [Fact]
    public void A_cycle_is_found_through_a_using_line_and_a_qualified_name_but_not_through_a_property_path()
    {
        var graph = NamespaceGraph.FromSources([
            "namespace Aeg.A;\nusing Aeg.B;\npublic sealed class AOne { }",
            "namespace Aeg.B;\npublic sealed class BOne { void M() => C.COne.Run(); }",
            "namespace Aeg.C;\npublic static class COne { public static void Run() => A.AOne.ToString(); }",
            "namespace Aeg.D;\npublic sealed class DOne { object M(Options o) => o.A.AOne; }",
        ]);

        Assert.Equal(["Aeg.B"], graph["Aeg.A"]);
        Assert.Equal(["Aeg.C"], graph["Aeg.B"]);
        Assert.Equal(["Aeg.A"], graph["Aeg.C"]);
        Assert.Empty(graph["Aeg.D"]);
        Assert.Equal([["Aeg.A", "Aeg.B", "Aeg.C"]], NamespaceGraph.Cycles(graph));
    }

    [Fact]
    public void A_diamond_is_no_cycle()
    {
        var graph = NamespaceGraph.FromSources([
            "namespace Aeg.Top;\nusing Aeg.Left;\nusing Aeg.Right;\nclass T { }",
            "namespace Aeg.Left;\nusing Aeg.Bottom;\nclass L { }",
            "namespace Aeg.Right;\nusing Aeg.Bottom;\nclass R { }",
            "namespace Aeg.Bottom;\nclass B { }",
        ]);

        Assert.Empty(NamespaceGraph.Cycles(graph));
    }
}
