using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Aeg.Tests.Docs;

/// <summary>The README and docs/*.md name only files that exist and link only to headings that exist, so a rename fails the build.</summary>
public sealed partial class DocsLinkTests
{
    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string> { "README.md" };
        foreach (var file in Directory.GetFiles(TestServices.RepoFile("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            pages.Add("docs/" + Path.GetFileName(file));
        }
        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_src_tests_docs_and_content_path_the_page_mentions_exists(string page)
    {
        var text = File.ReadAllText(TestServices.RepoFile(page));
        var missing = MentionedPaths(text).Where(p => !File.Exists(TestServices.RepoFile(p)) && !Directory.Exists(TestServices.RepoFile(p))).ToList();
        Assert.True(missing.Count == 0, $"{page} names paths that do not exist: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_of_the_page_reaches_a_file_and_heading_that_exist(string page)
    {
        var path = TestServices.RepoFile(page);
        var text = File.ReadAllText(path);
        var broken = new List<string>();
        foreach (var (target, fragment) in RelativeLinks(text))
        {
            var file = target.Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                broken.Add(target);
            }
            else if (fragment.Length > 0 && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(file)).Contains(fragment))
            {
                broken.Add(target + "#" + fragment);
            }
        }
        Assert.True(broken.Count == 0, $"{page} has broken links: " + string.Join(", ", broken));
    }

    [Fact]
    public void The_checks_find_paths_links_and_anchors_as_a_reader_sees_them()
    {
        const string text = "See src/Aeg/Daemon/Root.cs. and [x](../content/esm/README.md), `tests/Aeg.Tests/` or https://h/docs/no.md.\n"
            + "[a](configuration.md#listen) [b](#top) [c](https://example.org/x.md) [d](mailto:x@y)\n";
        Assert.Equal(["src/Aeg/Daemon/Root.cs", "content/esm/README.md", "tests/Aeg.Tests/"], MentionedPaths(text));
        Assert.Equal([("../content/esm/README.md", ""), ("configuration.md", "listen"), ("", "top")], RelativeLinks(text));

        const string page = "# Syslog output (`syslog:`)\n## `listen.listeners[]`\n```\n# not a heading\n```\n## Per sender (`SenderCounters`, by IP address, no port)\n## Per sender (`SenderCounters`, by IP address, no port)\n## ./aeg.sh test\n";
        Assert.Equal(
            ["syslog-output-syslog", "listenlisteners", "per-sender-sendercounters-by-ip-address-no-port", "per-sender-sendercounters-by-ip-address-no-port-1", "aegsh-test"],
            AnchorsInOrder(page));
    }

    // Repository-relative paths under the four folders a reader may look for, also when written relative to docs/ ("../content/...").
    internal static List<string> MentionedPaths(string text) =>
        [.. PathMention().Matches(text).Select(m => m.Groups["p"].Value.TrimEnd('.'))];

    // Markdown links that stay inside the repository: (file, fragment), with "" for a link to a heading of the page itself.
    internal static List<(string Target, string Fragment)> RelativeLinks(string text)
    {
        var links = new List<(string, string)>();
        foreach (Match m in MarkdownLink().Matches(WithoutCodeBlocks(text)))
        {
            var href = m.Groups["href"].Value;
            if (Regex.IsMatch(href, "^[a-z]+:", RegexOptions.IgnoreCase))
            {
                continue;
            }
            var hash = href.IndexOf('#');
            links.Add(hash < 0 ? (href, "") : (href[..hash], href[(hash + 1)..]));
        }
        return links;
    }

    internal static HashSet<string> Anchors(string page) => [.. AnchorsInOrder(page)];

    // The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to hyphens, "-1", "-2" for repeats.
    internal static string[] AnchorsInOrder(string page)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var anchors = new List<string>();
        foreach (Match m in Heading().Matches(WithoutCodeBlocks(page)))
        {
            var slug = new StringBuilder();
            foreach (var c in m.Groups["title"].Value.Trim().ToLowerInvariant())
            {
                var category = char.GetUnicodeCategory(c);
                if (char.IsLetterOrDigit(c) || c is '-' or '_' || category == UnicodeCategory.NonSpacingMark)
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }
            var anchor = slug.ToString();
            var count = seen.GetValueOrDefault(anchor);
            seen[anchor] = count + 1;
            anchors.Add(count == 0 ? anchor : $"{anchor}-{count}");
        }
        return [.. anchors];
    }

    private static string WithoutCodeBlocks(string text) => CodeBlock().Replace(text, "");

    [GeneratedRegex(@"(?<![\w./-])(?:\.\./)*(?<p>(?:src|tests|docs|content)/[\w./-]*)")]
    private static partial Regex PathMention();

    [GeneratedRegex(@"\]\((?<href>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6} (?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```[^\n]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
