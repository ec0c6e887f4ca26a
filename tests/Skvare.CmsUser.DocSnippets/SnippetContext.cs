using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.DocSnippets;

/// <summary>
/// The names the guides' C# fragments take for granted. Each extracted block is a method of a class deriving from
/// this one; a block that declares one of these names hides it, as a reader's own code would. Nothing runs.
/// </summary>
#pragma warning disable IDE1006, CA1051, SA1306 // named as the guides name them
internal abstract class SnippetContext
{
    protected string[] args = [];
    protected IServiceCollection services = new ServiceCollection();
    protected IConfiguration configuration = new ConfigurationBuilder().Build();
    protected IConfiguration config = new ConfigurationBuilder().Build();
    protected WebApplicationBuilder builder = null!;
    protected string secret = "";
    protected FakeCiviCrmServer civi = null!;
    protected FakeWordPressServer wordPress = null!;
}
