using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.CiviCrm;

/// <summary>
/// The fake CiviCRM compiles each call's where clauses once (literals converted once, <c>IN</c> lists as hash sets);
/// the row-by-row evaluator it replaced stays the reference: both must give the same answer, or fail the same way,
/// for any clause and any row.
/// </summary>
public sealed class CompiledWhereTests : IDisposable
{
    private static readonly string[] Scalars =
    [
        "1", "2", "-1", "0", "10", "\"1\"", "\"01\"", "\"1.0\"", "\" 2 \"", "\"-1\"", "\"a\"", "\"A\"", "\"abc\"", "\"ABC\"", "\"a%\"", "\"%b%\"",
        "\"a_c\"", "\"\"", "true", "false", "null", "1.5", "\"1,000\"", "\"2026-01-01 10:00:00\"", "\"2026-01-02\"", "\"user_contact_id\"",
        "\"x@example.org\"", "\"X@EXAMPLE.ORG\"",
    ];

    private static readonly object?[] RowValues = [1L, 2L, -1L, 0L, 10L, "1", "01", "1.0", " 2 ", "a", "A", "abc", "ABC", "a_c", "", true, false, null, 1.5, "2026-01-01 10:00:00", "x@example.org"];

    private static readonly string[] Fields =
        ["id", "first_name", "last_name", "external_identifier", "is_deleted", "preferred_language", "nick_name", "groups", "tags", "email_primary.email", "bogus", "bogus.field"];

    private static readonly string[] Operators =
    [
        "=", "!=", "<>", ">", ">=", "<", "<=", "IN", "NOT IN", "LIKE", "NOT LIKE", "IS NULL", "IS NOT NULL", "IS EMPTY", "IS NOT EMPTY",
        "BETWEEN", "NOT BETWEEN", "CONTAINS", "NOT CONTAINS", "REGEXP", "=~",
    ];

    private readonly FakeCiviCrmServer _server = new();

    public CompiledWhereTests()
    {
        // Contacts 2 and 3 (1 is the API user) with primary emails; 2 is in group 1 and tagged.
        var members = _server.AddGroup("members");
        var two = _server.AddContact("A", "B", "x@example.org");
        _server.AddContact("C", "D", "y@example.org");
        _server.AddToGroup(members, [two]);
        _server.TagContacts(_server.AddTag("vip"), [two]);
    }

    public void Dispose() => _server.Dispose();

    private static readonly Gen<string> Scalar = Gen.OneOf(Scalars);

    private static readonly Gen<string> List = Scalar.Array[0, 5].Select(items => "[" + string.Join(",", items) + "]");

    // [field, op, value] with a list for IN/BETWEEN most of the time, a scalar otherwise; sometimes no value or no operator.
    private static readonly Gen<string> Leaf =
        Gen.Select(Gen.OneOf(Fields), Gen.OneOf(Operators), Gen.Int[0, 9], Scalar, List).Select((field, op, shape, scalar, list) => shape switch
        {
            0 => $"[\"{field}\",\"{op}\"]",
            1 => $"[\"{field}\"]",
            2 => $"[\"{field}\",\"{op}\",{(op is "IN" or "NOT IN" or "BETWEEN" or "NOT BETWEEN" ? scalar : list)}]",
            _ => $"[\"{field}\",\"{op}\",{(op is "IN" or "NOT IN" or "BETWEEN" or "NOT BETWEEN" ? list : scalar)}]",
        });

    private static Gen<string> Clause(int depth) => depth == 0
        ? Leaf
        : Gen.Frequency(
            (3, Leaf),
            (1, Gen.Select(Gen.OneOf("OR", "AND", "NOT"), Clause(depth - 1).Array[0, 3]).Select((logic, members) => $"[\"{logic}\",[{string.Join(",", members)}]]")));

    private static readonly Gen<Dictionary<string, object?>> Row =
        Gen.Select(Gen.Long[1, 4], Gen.Int[0, RowValues.Length - 1].Array[6], Gen.Bool.Array[6]).Select((id, picks, present) =>
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = id };
            string[] names = ["first_name", "last_name", "external_identifier", "is_deleted", "preferred_language", "nick_name"];
            for (var i = 0; i < names.Length; i++)
            {
                if (present[i])
                {
                    row[names[i]] = RowValues[picks[i]];
                }
            }

            return row;
        });

    [Fact]
    public void The_compiled_where_answers_as_the_row_by_row_evaluator()
    {
        var engine = new FakeApi4Engine(_server);
        Gen.Select(Clause(2), Row, Gen.OneOf("Contact", "Email")).Sample((clause, row, entity) =>
        {
            using var document = JsonDocument.Parse(clause);
            lock (_server.Store)
            {
                var (compiled, reference) = engine.CompareWithReference(entity, row, document.RootElement);
                return compiled == reference;
            }
        }, iter: 20_000);
    }
    [Fact]
    public void Rows_the_scans_would_fail_on_are_still_answered_as_the_scans_do()
    {
        // An Email without contact_id, an EntityTag without entity_id: the
        // indexes step aside and the scans answer (or fail) as before.
        var engine = new FakeApi4Engine(_server);
        lock (_server.Store)
        {
            _server.Store.Table("Email").Insert(0, new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = 999L, ["email"] = "z@example.org", ["is_primary"] = true });
            _server.Store.Table("EntityTag").Insert(0, new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = 999L, ["tag_id"] = 1L });
            foreach (var clause in new[] { "[\"email_primary.email\",\"=\",\"x@example.org\"]", "[\"tags\",\"IN\",[1]]", "[\"groups\",\"IN\",[1]]" })
            {
                using var document = JsonDocument.Parse(clause);
                var (compiled, reference) = engine.CompareWithReference("Contact", new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = 2L }, document.RootElement);
                compiled.Should().Be(reference, clause);
            }
        }
    }
}
