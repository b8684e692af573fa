using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Aeg.IntegrationTests.Infrastructure;
using Xunit;

namespace Aeg.IntegrationTests;

/// <summary>Proves that the real services started by ./aeg.sh test work, and that the test helpers use them as promised.</summary>
public sealed class ServicesTests
{
    [Fact]
    public async Task MariaDb_row_written_is_read_back_through_a_fresh_connection()
    {
        await using var database = await TestDatabase.CreateAsync();
        const string Body = "Stage → Follow-Up; ünïcode, 'quotes' and \\ backslash";

        await using (var connection = await database.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, "CREATE TABLE note (id INT PRIMARY KEY, body VARCHAR(200) NOT NULL)");
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO note (id, body) VALUES (@id, @body)";
            AddParameter(insert, "@id", 42);
            AddParameter(insert, "@body", Body);
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var select = connection.CreateCommand();
            select.CommandText = "SELECT id, body FROM note";
            await using var reader = await select.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(42, reader.GetInt32(0));
            Assert.Equal(Body, reader.GetString(1));
            Assert.False(await reader.ReadAsync());
        }
    }

    [Fact]
    public async Task TestDatabase_runs_the_sql_file_and_drops_the_database_on_dispose()
    {
        var sqlFile = Path.Combine(Path.GetTempPath(), $"aeg-test-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(sqlFile, """
            -- a schema file as content/esm/schema.sql would be
            CREATE TABLE item (id INT PRIMARY KEY);
            INSERT INTO item (id) VALUES (1), (2);
            INSERT INTO item (id) VALUES (3);
            """);
        string name;
        try
        {
            await using (var database = await TestDatabase.CreateAsync(sqlFile))
            {
                name = database.Name;
                Assert.Matches("^aeg_t_[0-9a-f]{8}$", name);
                await using var connection = await database.OpenConnectionAsync();
                Assert.Equal(3L, await ScalarAsync(connection, "SELECT COUNT(*) FROM item", null));
                Assert.Equal(1L, await CountSchemasAsync(name));
            }
            Assert.Equal(0L, await CountSchemasAsync(name));
        }
        finally
        {
            File.Delete(sqlFile);
        }
    }

    [Fact]
    public void A_missing_service_variable_names_the_test_command()
    {
        var variable = $"AEG_TEST_UNSET_{Guid.NewGuid():N}";
        var error = Assert.Throws<InvalidOperationException>(() => TestServices.Require(variable));
        Assert.Contains(variable, error.Message);
        Assert.Contains("./aeg.sh test", error.Message);
    }

    [Fact]
    [Trait("Category", TestServices.RtCategory)]
    public async Task Rt_ticket_created_with_basic_auth_reads_back_with_token_auth()
    {
        using var http = new HttpClient { BaseAddress = new Uri(TestServices.RtUrl, "/REST/2.0/"), Timeout = TimeSpan.FromSeconds(60) };
        var basic = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestServices.RtUser}:{TestServices.RtPassword}")));
        var token = new AuthenticationHeaderValue("token", TestServices.RtToken);
        var subject = $"CEF 4711 from 10.1.2.3 ({Guid.NewGuid():N})";

        using var create = new HttpRequestMessage(HttpMethod.Post, "ticket")
        {
            Content = new StringContent(JsonSerializer.Serialize(new
            {
                Queue = "SOC",
                Subject = subject,
                CustomFields = new Dictionary<string, string>
                {
                    ["SourceIP"] = "10.1.2.3",
                    ["DestinationIP"] = "192.0.2.10",
                    ["CEFSignatureID"] = "4711",
                },
            }), Encoding.UTF8, "application/json"),
        };
        create.Headers.Authorization = basic;
        using var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ReadJsonAsync(created)).GetProperty("id").GetString();

        var ticket = await GetJsonAsync(http, $"ticket/{id}", token);
        var socQueue = await GetJsonAsync(http, "queue/SOC", token);
        Assert.Equal(subject, ticket.GetProperty("Subject").GetString());
        Assert.Equal(TestServices.RtUser, ticket.GetProperty("Creator").GetProperty("id").GetString());
        Assert.Equal(socQueue.GetProperty("id").ToString(), ticket.GetProperty("Queue").GetProperty("id").ToString());
        var fields = ticket.GetProperty("CustomFields").EnumerateArray().ToDictionary(
            field => field.GetProperty("name").GetString()!,
            field => field.GetProperty("values").EnumerateArray().Select(value => value.GetString()!).ToArray());
        Assert.Equal<string>(["10.1.2.3"], fields["SourceIP"]);
        Assert.Equal<string>(["192.0.2.10"], fields["DestinationIP"]);
        Assert.Equal<string>(["4711"], fields["CEFSignatureID"]);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static async Task<long> CountSchemasAsync(string name)
    {
        await using var connection = TestServices.MySqlFactory.CreateConnection()!;
        connection.ConnectionString = TestServices.MySqlConnectionString;
        await connection.OpenAsync();
        return await ScalarAsync(connection, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = @name", name);
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql, string? name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (name is not null)
        {
            AddParameter(command, "@name", name);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
