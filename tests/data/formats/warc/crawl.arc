filedesc://crawl.arc 0.0.0.0 20240216100000 text/plain 76
1 0 newsearch tests
URL IP-address Archive-date Content-type Archive-length

https://riversidegazette.example/2024/02/14/council-approves-flood-barrier/ 192.0.2.1 20240216100000 text/html 7382
HTTP/1.0 200 OK
Content-Type: text/html

<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Council approves new flood barrier for the lower river district &#8211; The Riverside Gazette</title>
<link rel="canonical" href="https://riversidegazette.example/2024/02/14/council-approves-flood-barrier/">
<meta property="og:locale" content="en_US">
<meta property="og:type" content="article">
<meta property="og:title" content="Council approves new flood barrier for the lower river district">
<meta property="og:url" content="https://riversidegazette.example/2024/02/14/council-approves-flood-barrier/">
<meta property="og:site_name" content="The Riverside Gazette">
<meta property="article:published_time" content="2024-02-14T09:15:00+01:00">
<meta property="article:modified_time" content="2024-02-15T17:40:12+01:00">
<meta name="author" content="Margaret Ellison">
<meta name="generator" content="WordPress 6.4.3">
<link rel='stylesheet' id='wp-block-library-css' href='https://riversidegazette.example/wp-includes/css/dist/block-library/style.min.css?ver=6.4.3' media='all'>
<script src="https://riversidegazette.example/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="post-template-default single single-post postid-48213 single-format-standard">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>
<header id="masthead" class="site-header">
  <div class="site-branding"><p class="site-title"><a href="/" rel="home">The Riverside Gazette</a></p>
  <p class="site-description">Local news since 1887</p></div>
  <nav id="site-navigation" class="main-navigation">
    <ul id="primary-menu" class="menu">
      <li><a href="/category/news/">News</a></li><li><a href="/category/sport/">Sport</a></li>
      <li><a href="/category/business/">Business</a></li><li><a href="/category/opinion/">Opinion</a></li>
      <li><a href="/obituaries/">Obituaries</a></li><li><a href="/contact/">Contact us</a></li>
    </ul>
  </nav>
</header>
<div id="content" class="site-content">
<main id="primary" class="site-main">
<article id="post-48213" class="post-48213 post type-post status-publish format-standard hentry category-news">
  <header class="entry-header">
    <h1 class="entry-title">Council approves new flood barrier for the lower river district</h1>
    <div class="entry-meta">
      <span class="posted-on">Posted on <a href="/2024/02/14/council-approves-flood-barrier/" rel="bookmark"><time class="entry-date published" datetime="2024-02-14T09:15:00+01:00">February 14, 2024</time><time class="updated" datetime="2024-02-15T17:40:12+01:00">February 15, 2024</time></a></span>
      <span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/mellison/">Margaret Ellison</a></span></span>
    </div>
  </header>
  <div class="entry-content">
    <p>The city council voted eight to three on Tuesday night to build a removable flood barrier along the lower river district, ending a two-year argument over how to protect the neighbourhood that was flooded twice in the past decade.</p>
    <p>The barrier, made of steel panels that crews can slot into permanent concrete footings when the river rises, will run for 1.2 kilometres from the old grain wharf to the railway bridge. Engineers estimate the cost at 14 million euros, two thirds of which will come from the regional climate adaptation fund.</p>
    <div class="code-block code-block-3" style="margin: 8px auto; text-align: center;"><div class="ad-slot" data-ad-unit="/2231/gazette/inarticle">Advertisement</div></div>
    <p>Councillor Tomas Brandt, who chairs the infrastructure committee, said the decision was overdue. &#8220;Every winter we have asked families on Quay Street to move their furniture upstairs and hope for the best,&#8221; he said. &#8220;That is not a flood policy.&#8221;</p>
    <p>Opponents argued that a permanent earth embankment would be cheaper to maintain and would not depend on volunteers to install the panels in the middle of the night. Councillor Ruth Okafor said she would ask the audit office to review the maintenance budget before construction starts.</p>
    <p>Construction is expected to begin in September, after the summer festival season, and to finish by the end of next year. Residents can see the plans at the town hall library until the end of March.</p>
  </div>
  <footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/news/" rel="category tag">News</a></span> <span class="tags-links">Tagged <a href="/tag/flooding/" rel="tag">flooding</a>, <a href="/tag/council/" rel="tag">council</a></span></footer>
</article>
<nav class="navigation post-navigation" aria-label="Posts"><h2 class="screen-reader-text">Post navigation</h2><div class="nav-links"><div class="nav-previous"><a href="/2024/02/13/school-roof-repairs/" rel="prev">Previous post: School roof repairs to finish before Easter</a></div><div class="nav-next"><a href="/2024/02/15/ferry-timetable/" rel="next">Next post: Ferry timetable changes from March</a></div></div></nav>
<div id="comments" class="comments-area">
  <h2 class="comments-title">4 thoughts on &ldquo;Council approves new flood barrier for the lower river district&rdquo;</h2>
  <ol class="comment-list">
    <li id="comment-9921" class="comment even thread-even depth-1"><article class="comment-body"><footer class="comment-meta"><b class="fn">Harbour Watcher</b> <time datetime="2024-02-14T11:02:00+01:00">February 14, 2024 at 11:02 am</time></footer><div class="comment-content"><p>About time. My basement has been wet since 2016 and nobody at the council ever came to look at it.</p></div></article></li>
    <li id="comment-9925" class="comment odd alt thread-odd depth-1"><article class="comment-body"><footer class="comment-meta"><b class="fn">Pete R.</b></footer><div class="comment-content"><p>Fourteen million for some metal sheets? Who is going to put them up at three in the morning in a storm?</p></div></article></li>
  </ol>
  <div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3><form action="/wp-comments-post.php" method="post" id="commentform"><p class="comment-notes">Your email address will not be published.</p><textarea id="comment" name="comment"></textarea><input name="submit" type="submit" value="Post Comment"></form></div>
</div>
</main>
<aside id="secondary" class="widget-area">
  <section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul><li><a href="/2024/02/15/ferry-timetable/">Ferry timetable changes from March</a></li><li><a href="/2024/02/13/school-roof-repairs/">School roof repairs to finish before Easter</a></li><li><a href="/2024/02/12/market-hall/">Market hall reopens after renovation</a></li></ul></section>
  <section id="newsletter" class="widget"><h2 class="widget-title">Newsletter</h2><p>Get the Gazette in your inbox every morning. Sign up now and never miss a story.</p></section>
</aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2024 The Riverside Gazette. All rights reserved. | <a href="/privacy-policy/">Privacy Policy</a> | Proudly powered by WordPress</div></footer>
</div>
</body>
</html>

https://millbrookweekly.example/news/library-hours 192.0.2.1 20240301123000 text/html 1431
HTTP/1.0 200 OK
Content-Type: text/html

<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Library extends opening hours after petition</title>
<meta property="og:site_name" content="Millbrook Weekly">
<meta property="og:type" content="article">
</head>
<body>
<nav class="menu"><a href="/">Millbrook Weekly</a><a href="/news">News</a><a href="/community">Community</a><a href="/sport">Sport</a></nav>
<main>
<article>
<h1>Library extends opening hours after petition</h1>
<p class="byline">By Oliver Grant</p>
<p>The central library will open until eight in the evening on weekdays from next month, after more than 1,500 residents signed a petition asking for longer hours.</p>
<p>Students had complained that the library closed at five, just as many of them finished classes, leaving them nowhere quiet to study. Several parents also said the early closing made it impossible for working families to borrow books during the week.</p>
<p>The council found the money for the extra hours by closing the library on Monday mornings, which staff said were its quietest time. Two part-time posts will be added.</p>
<p>Librarian Grace Holloway said she was delighted. &quot;The building is full of people every afternoon,&quot; she said. &quot;Now they will not have to leave just when they have settled in.&quot;</p>
</article>
</main>
<footer>Millbrook Weekly, 12 High Street, Millbrook</footer>
</body>
</html>

