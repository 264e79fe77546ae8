# Stub the tags that need files the corpus does not carry, then dump each post's HTML
# body (converted, before any layout) as JSON and stop before writing the site.
require "json"

class BlogtuiStubTag < Liquid::Tag
  def render(_context) = ""
end
%w[link post_url include include_relative].each { |name| Liquid::Template.register_tag(name, BlogtuiStubTag) }

BLOGTUI_BODIES = {}
Jekyll::Hooks.register :posts, :post_convert do |post|
  BLOGTUI_BODIES[post.relative_path] = post.content
end
Jekyll::Hooks.register :site, :post_render do |_site|
  File.write(ENV.fetch("BLOGTUI_DUMP"), JSON.pretty_generate(BLOGTUI_BODIES))
  Kernel.exit!(0)
end
