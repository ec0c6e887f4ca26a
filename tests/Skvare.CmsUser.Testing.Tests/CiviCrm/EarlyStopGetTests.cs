using System.Globalization;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.CiviCrm;

/// <summary>
/// A limited <c>get</c> in the table's or id order stops once its page is full (the batch's page read no longer
/// joins every pending contact); the full evaluation stays the reference: for any table, where clauses, joins, order,
/// limit and offset, both answer the same rows and counts, or the early path steps aside.
/// </summary>
public sealed class EarlyStopGetTests : IDisposable
{
    private static readonly string[] Names = ["Ann", "bob", "Cy", "ann", ""];

    // Clauses on the contact's own fields (valid ones mostly; a few the early path must leave to the full one).
    private static readonly string[] OwnClauses =
    [
        "[\"is_deleted\",\"=\",false]", "[\"is_deceased\",\"=\",false]", "[\"groups\",\"IN\",[1]]", "[\"groups\",\"NOT IN\",[2]]", "[\"tags\",\"IN\",[1]]",
        "[\"first_name\",\"LIKE\",\"a%\"]", "[\"first_name\",\"IS NOT EMPTY\"]", "[\"email_primary.email\",\"IS NOT NULL\"]", "[\"id\",\"!=\",4]",
        "[\"OR\",[[\"first_name\",\"=\",\"bob\"],[\"groups\",\"IN\",[2]]]]", "[\"NOT\",[[\"is_deceased\",\"=\",true]]]",
        "[\"first_name\",\"REGEXP\",\"^a\"]", "[\"id\",\"IN\",[3,5,8,13]]",
    ];

    // Clauses that fail, or could fail on some row: the early path leaves them to the full one.
    private static readonly string[] FailingClauses =
    [
        "[\"bogus\",\"=\",1]", "[\"first_name\",\"REGEXP\",\"(\"]", "[\"OR\",[[\"id\",\">\",0],[\"bogus.field\",\"=\",1]]]", "[\"groups\",\"IN\",[\"x\"]]",
        "[\"first_name\",\"=~\",1]", "[\"groups\",\"=\",1]", "[1,\"=\",1]",
    ];

    private static readonly string[] Joins =
    [
        "[\"UFMatch AS uf\",\"LEFT\",[\"uf.contact_id\",\"=\",\"id\"],[\"uf.domain_id\",\"=\",1]]",
        "[\"GroupContact AS gcr\",\"EXCLUDE\",[\"gcr.contact_id\",\"=\",\"id\"],[\"gcr.group_id\",\"=\",1],[\"gcr.status\",\"=\",\"'Removed'\"]]",
        "[\"UFMatch AS any\",\"INNER\",[\"any.contact_id\",\"=\",\"id\"]]",
        "[\"Email AS e\",\"LEFT\",[\"e.contact_id\",\"=\",\"id\"],[\"e.is_primary\",\"=\",true]]",
        "[\"UFMatch AS bad\",\"SIDEWAYS\",[\"bad.contact_id\",\"=\",\"id\"]]",
    ];

    // Clauses on joined fields (used only with their join).
    private static readonly (string Alias, string Clause)[] LateClauses =
    [
        ("uf", "[\"uf.uf_id\",\"IS NULL\"]"), ("uf", "[\"uf.uf_name\",\"LIKE\",\"%1%\"]"), ("any", "[\"any.domain_id\",\"=\",2]"), ("e", "[\"e.email\",\"IS NOT NULL\"]"),
        ("uf", "[\"uf.nope\",\"=\",1]"), ("uf", "[\"uf.uf_id\",\">\",10]"), ("uf", "[\"uf.uf_id\",\"IS NOT NULL\"]"),
    ];

    private static readonly string[] Orders = ["", "{\"id\":\"ASC\"}", "{\"id\":\"DESC\"}", "{\"first_name\":\"ASC\"}", "{\"id\":\"UP\"}", "{}"];

    private static readonly string[] Selects =
    [
        "[\"id\",\"first_name\",\"email_primary.email\",\"uf.uf_id\",\"uf.uf_name\"]", "[]", "[\"id\"]", "[\"row_count\"]", "[\"first_name\",\"any.uf_id\",\"e.email\"]",
    ];

    private readonly FakeCiviCrmServer _server = new();

    public void Dispose() => _server.Dispose();

    /// <summary>One generated contact: id gap, flags, name, email, memberships, links and tags.</summary>
    private sealed record Person(int Gap, bool Deleted, bool Deceased, int Name, bool Email, int Group1, int Group2, int Links, bool Tagged);

    private static readonly Gen<Person> PersonGen =
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, 9], Gen.Int[0, 9], Gen.Int[0, Names.Length - 1], Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 4])
            .Select((gap, deleted, deceased, name, email, group1, group2, links) => new Person(gap, deleted == 0, deceased == 0, name, email > 0, group1, group2, links % 3, links == 4));

    private sealed record Query(string Json, string Shape);

    private static readonly Gen<Query> QueryGen =
        Gen.Select(Gen.Frequency((12, Gen.OneOf(OwnClauses)), (1, Gen.OneOf(FailingClauses))).Array[0, 4], Gen.Frequency((8, Gen.Int[0, Joins.Length - 2]), (1, Gen.Const(Joins.Length - 1))).Array[0, 2],
                Gen.Int[0, LateClauses.Length - 1].Array[0, 2], Gen.Frequency((8, Gen.Int[0, 2]), (1, Gen.Int[3, Orders.Length - 1])),
                Gen.Frequency((8, Gen.OneOf(0, 1, 2, 4)), (1, Gen.Const(3))), Gen.Frequency((8, Gen.Int[1, 12]), (1, Gen.Int[-1, 0])), Gen.Int[-1, 4], Gen.Int[-1, 40])
            .Select((own, joins, late, order, select, limit, offset, keyset) =>
            {
                var joinList = joins.Distinct().Select(j => Joins[j]).ToList();
                var where = own.ToList();
                where.AddRange(late.Select(i => LateClauses[i]).Where(l => joinList.Any(j => j.Contains("AS " + l.Alias + "\"", StringComparison.Ordinal))).Select(l => l.Clause));
                if (keyset >= 0)
                {
                    where.Add($"[\"id\",\"{(keyset % 3 == 0 ? "<" : keyset % 3 == 1 ? ">" : ">=")}\",{keyset}]");
                }

                var json = "{\"select\":" + Selects[select] + ",\"where\":[" + string.Join(",", where) + "]"
                    + (joinList.Count > 0 ? ",\"join\":[" + string.Join(",", joinList) + "]" : "")
                    + (Orders[order].Length > 0 ? ",\"orderBy\":" + Orders[order] : "")
                    + (limit >= 0 ? $",\"limit\":{limit}" : "")
                    + (offset >= 0 ? $",\"offset\":{offset}" : "") + "}";
                return new Query(json, json);
            });

    [Fact]
    public void A_get_that_stops_early_answers_what_the_full_evaluation_answers()
    {
        var engine = new FakeApi4Engine(_server);
        var early = 0;
        var samples = 0;
        Gen.Select(PersonGen.Array[0, 25], QueryGen, Gen.Int[0, 5]).Sample((people, query, shuffle) =>
        {
            lock (_server.Store)
            {
                Seed(people, shuffled: shuffle == 0);
                using var document = JsonDocument.Parse(query.Json);
                var (earlyAnswer, full, taken) = engine.CompareEarlyStop("Contact", document.RootElement);
                samples++;
                early += taken ? 1 : 0;
                return earlyAnswer == full;
            }
        }, iter: 4_000);

        // The property is about the early path: most generated calls must take it.
        early.Should().BeGreaterThan(samples / 3);
    }

    [Fact]
    public void The_page_read_of_a_batch_stops_early_and_answers_its_keyset_page()
    {
        var engine = new FakeApi4Engine(_server);
        lock (_server.Store)
        {
            Seed([.. Enumerable.Range(0, 300).Select(i => new Person(1, i % 7 == 0, false, i % Names.Length, true, i % 4 == 0 ? 0 : 1, 0, i % 5 == 0 ? 1 : 0, false))], shuffled: false);
            const string read = "{\"select\":[\"id\",\"first_name\",\"email_primary.email\",\"uf.uf_id\",\"uf.uf_name\"],"
                + "\"join\":[[\"UFMatch AS uf\",\"LEFT\",[\"uf.contact_id\",\"=\",\"id\"],[\"uf.domain_id\",\"=\",1]],"
                + "[\"GroupContact AS gcr\",\"EXCLUDE\",[\"gcr.contact_id\",\"=\",\"id\"],[\"gcr.group_id\",\"=\",1],[\"gcr.status\",\"=\",\"'Removed'\"]]],"
                + "\"where\":[[\"is_deleted\",\"=\",false],[\"is_deceased\",\"=\",false],[\"groups\",\"IN\",[1]],[\"id\",\">\",120]],\"orderBy\":{\"id\":\"ASC\"},\"limit\":10}";
            using var document = JsonDocument.Parse(read);
            var (earlyAnswer, full, taken) = engine.CompareEarlyStop("Contact", document.RootElement);
            taken.Should().BeTrue();
            earlyAnswer.Should().Be(full);
            earlyAnswer.Should().StartWith("[{\"id\":123,").And.Contain("count=10");
        }
    }

    /// <summary>Replaces the contact-side tables with the generated people (ids ascending with gaps, or shuffled).</summary>
    private void Seed(Person[] people, bool shuffled)
    {
        var store = _server.Store;
        foreach (var table in new[] { "Contact", "Email", "GroupContact", "UFMatch", "EntityTag" })
        {
            store.Table(table).Clear();
        }

        var id = 1L;
        var rows = new List<Dictionary<string, object?>>();
        var linkId = 1L;
        foreach (var person in people)
        {
            id += person.Gap;
            rows.Add(new(StringComparer.Ordinal)
            {
                ["id"] = id, ["contact_type"] = "Individual", ["first_name"] = Names[person.Name], ["is_deleted"] = person.Deleted, ["is_deceased"] = person.Deceased,
            });
            if (person.Email)
            {
                store.Table("Email").Add(new(StringComparer.Ordinal) { ["id"] = id, ["contact_id"] = id, ["email"] = $"p{id}@example.org", ["is_primary"] = true });
            }

            foreach (var (group, state) in new[] { (1L, person.Group1), (2L, person.Group2) })
            {
                if (state > 0)
                {
                    store.Table("GroupContact").Add(new(StringComparer.Ordinal) { ["id"] = id * 10 + group, ["group_id"] = group, ["contact_id"] = id, ["status"] = state == 1 ? "Added" : "Removed" });
                }
            }

            for (var i = 0; i < person.Links; i++)
            {
                store.Table("UFMatch").Add(new(StringComparer.Ordinal)
                {
                    ["id"] = linkId, ["domain_id"] = 1L + i, ["uf_id"] = linkId * 7, ["uf_name"] = string.Create(CultureInfo.InvariantCulture, $"u{linkId}@example.org"), ["contact_id"] = id,
                });
                linkId++;
            }

            if (person.Tagged)
            {
                store.Table("EntityTag").Add(new(StringComparer.Ordinal) { ["id"] = id, ["entity_table"] = "civicrm_contact", ["entity_id"] = id, ["tag_id"] = 1L });
            }
        }

        if (shuffled && rows.Count > 1)
        {
            // A table whose ids do not ascend (rows re-numbered after insertion): id order is not the table's.
            (rows[0], rows[^1]) = (rows[^1], rows[0]);
        }

        store.Table("Contact").AddRange(rows);
    }
}
