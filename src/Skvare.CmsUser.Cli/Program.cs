using Skvare.CmsUser.Cli;

return await CliApp.RunAsync(args).ConfigureAwait(false);
