Console.WriteLine("Skvare.CmsUser sample");
