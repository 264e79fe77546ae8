# Dump site.posts as JSON right after Jekyll has read the site, then stop the build:
# what Jekyll made of each post's front matter is all the oracle tests need, and
# skipping the render keeps the run short.
require "json"

Jekyll::Hooks.register :site, :post_read do |site|
  posts = site.posts.docs.map do |post|
    {
      "path" => post.relative_path,
      "title" => post.data["title"],
      "date" => post.date.utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
      "tags" => Array(post.data["tags"]).map(&:to_s),
      "categories" => Array(post.data["categories"]).map(&:to_s),
      "published" => post.data["published"] != false,
      "draft" => post.respond_to?(:draft?) ? post.draft? : false,
    }
  end
  File.write(ENV.fetch("BLOGTUI_DUMP"), JSON.pretty_generate(posts))
  # Nothing after reading is needed. Jekyll turns a plain `exit` into a build error, so
  # leave at once (the dump is already written and closed) without rendering or writing _site.
  Kernel.exit!(0)
end
