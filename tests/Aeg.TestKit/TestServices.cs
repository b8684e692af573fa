using System.Data.Common;
using MySqlConnector;

namespace Aeg.TestKit;

/// <summary>Connection details of the real MariaDB and Request Tracker that <c>./aeg.sh test</c> starts.</summary>
public static class TestServices
{
    /// <summary>xunit trait value for tests that need Request Tracker: <c>[Trait("Category", TestServices.RtCategory)]</c>.</summary>
    /// <remarks><c>AEG_TEST_SKIP_RT=1 ./aeg.sh test</c> filters these out.</remarks>
    public const string RtCategory = "RT";

    /// <summary>The ADO.NET provider the tests use for MariaDB.</summary>
    public static DbProviderFactory MySqlFactory => MySqlConnectorFactory.Instance;

    /// <summary>Connection string of a MariaDB account with ALL privileges, no database selected.</summary>
    public static string MySqlConnectionString => Require("AEG_TEST_MYSQL");

    /// <summary>Base address of Request Tracker, e.g. http://127.0.0.1:18080 (REST2 lives under /REST/2.0/).</summary>
    public static Uri RtUrl => new(Require("AEG_TEST_RT_URL"));

    /// <summary>Name of the RT API user (basic auth).</summary>
    public static string RtUser => Require("AEG_TEST_RT_USER");

    /// <summary>Password of the RT API user.</summary>
    public static string RtPassword => Require("AEG_TEST_RT_PASSWORD");

    /// <summary>An RT auth token of the API user (the part after <c>Authorization: token </c>).</summary>
    public static string RtToken
    {
        get
        {
            var path = Require("AEG_TEST_RT_TOKEN_FILE");
            if (!File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"AEG_TEST_RT_TOKEN_FILE points to {path}, which does not exist: run the tests with ./aeg.sh test.");
            }
            return File.ReadAllText(path).Trim();
        }
    }

    /// <summary>The repository root: the folder holding Aeg.sln.</summary>
    public static string RepoRoot => Path.GetDirectoryName(RepoFile("Aeg.sln"))!;

    /// <summary>Absolute path of a file given relative to the repository root (the folder holding Aeg.sln).</summary>
    public static string RepoFile(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Aeg.sln")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }
        throw new InvalidOperationException($"no Aeg.sln above {AppContext.BaseDirectory}");
    }

    internal static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set. Run the tests with ./aeg.sh test: it starts MariaDB and Request Tracker and sets {variable}.");
}
