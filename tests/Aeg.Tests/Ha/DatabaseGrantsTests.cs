using Aeg.Annotations;

namespace Aeg.Tests.Ha;

/// <summary>Least privilege: <c>aeg test-connection</c> names every grant that lets the account change the ESM database.</summary>
public sealed class DatabaseGrantsTests
{
    private static readonly HashSet<string> Esm = new(StringComparer.OrdinalIgnoreCase) { "arcsight" };

    [Theory]
    [InlineData("GRANT USAGE ON *.* TO `aeg_reader`@`%` IDENTIFIED BY PASSWORD <redacted>", null)]
    [InlineData("GRANT SELECT ON `arcsight`.`arc_event_annotation` TO `aeg_reader`@`%`", null)]
    [InlineData("GRANT ALL PRIVILEGES ON `aeg`.* TO `aeg_reader`@`%`", null)]
    [InlineData("GRANT SELECT (`event_id`, `version`), UPDATE (`flags`) ON `arcsight`.`arc_event_annotation` TO `r`@`%`", "UPDATE")]
    [InlineData("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION", "ALL PRIVILEGES")]
    [InlineData("GRANT SELECT, INSERT, DELETE ON `arcsight`.* TO `r`@`%`", "INSERT,DELETE")]
    [InlineData("GRANT UPDATE ON `arc%`.* TO `r`@`%`", "UPDATE")]
    [InlineData("GRANT UPDATE ON `arcsigh\\_`.* TO `r`@`%`", null)]
    [InlineData("GRANT DROP ON `ARCSIGHT`.`arc_resource` TO `r`@`%`", "DROP")]
    [InlineData("GRANT EXECUTE, ALTER ROUTINE ON PROCEDURE `arcsight`.`p` TO `r`@`%`", null)]
    [InlineData("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION", null)]
    [InlineData("GRANT `esm_writer` TO `r`@`%`", null)]
    public void Write_privileges_on_the_esm_schema_are_found_and_nothing_else(string line, string? expected)
    {
        var found = DatabaseGrants.WritesTo([line], Esm);
        if (expected is null)
        {
            Assert.Empty(found);
            return;
        }
        var grant = Assert.Single(found);
        Assert.Equal(expected.Split(','), grant.Privileges);
        Assert.Equal(line, grant.Grant);
    }

    [Fact]
    public void Schemas_named_in_table_settings_count_as_esm_schemas()
    {
        var source = new Aeg.Configuration.SourceOptions { Table = "esm2.arc_event_annotation" };
        Assert.Equal(["arcsight", "esm2"], DatabaseGrants.EsmSchemas(new Aeg.Configuration.DatabaseOptions(), source).Order());
    }
}
